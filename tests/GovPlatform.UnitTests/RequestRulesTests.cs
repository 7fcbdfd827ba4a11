using GovPlatform.Intake.Requests;

namespace GovPlatform.UnitTests;

public sealed class RequestRulesTests
{
    private static SubmitRequest Valid() => new("hotline", "楼道下水道堵塞", new LocationInput("MT-01"), "drainage", Reporter: new ReporterInput("13812341234", "张三"));

    [Theory]
    [InlineData("13812341234")]
    [InlineData("19912341234")]
    [InlineData("0851-12345678")]
    [InlineData("01012345678")]
    public void Mainland_mobiles_and_landlines_with_area_codes_are_phones(string phone) => Assert.True(RequestRules.IsPhone(phone));

    [Theory]
    [InlineData("12812341234")] // no 12x mobile prefix
    [InlineData("1381234123")]  // ten digits
    [InlineData("+8613812341234")]
    [InlineData("851-12345678")] // area code without its leading 0
    [InlineData("１３８１２３４１２３４")] // full-width digits
    public void Other_numbers_are_not_phones(string phone) => Assert.False(RequestRules.IsPhone(phone));

    [Fact]
    public void A_complete_request_has_no_errors() => Assert.Empty(RequestRules.Validate(Valid()));

    [Fact]
    public void An_anonymous_request_is_valid() => Assert.Empty(RequestRules.Validate(Valid() with { Reporter = null }));

    [Fact]
    public void Line_breaks_and_tabs_are_text_but_other_control_characters_are_not()
    {
        Assert.Empty(RequestRules.Validate(Valid() with { Description = "第一行\r\n第二行\t附注" }));
        Assert.Contains("description", RequestRules.Validate(Valid() with { Description = "坏\u0000字节" }).Keys);
        Assert.Contains("description", RequestRules.Validate(Valid() with { Description = "响铃\u0007" }).Keys);
    }

    [Fact]
    public void The_description_may_be_4000_characters_of_chinese_but_not_more()
    {
        Assert.Empty(RequestRules.Validate(Valid() with { Description = new string('漏', 4000) }));
        Assert.Contains("description", RequestRules.Validate(Valid() with { Description = new string('漏', 4001) }).Keys);
    }

    [Fact]
    public void Coordinates_must_be_on_earth_and_come_in_pairs()
    {
        Assert.Empty(RequestRules.Validate(Valid() with { Location = new LocationInput("MT-01", null, 27.76, 107.46) }));
        Assert.Contains("location.longitude", RequestRules.Validate(Valid() with { Location = new LocationInput("MT-01", null, 27.76, 181) }).Keys);
        Assert.Contains("location.latitude", RequestRules.Validate(Valid() with { Location = new LocationInput("MT-01", null, double.NaN, 107) }).Keys);
        Assert.Contains("location", RequestRules.Validate(Valid() with { Location = new LocationInput("MT-01", null, 27.76) }).Keys);
    }

    [Fact]
    public void Every_problem_is_reported_at_once_under_its_field_path()
    {
        var errors = RequestRules.Validate(new SubmitRequest("fax", "", new LocationInput(""), "drainage", "whenever", new ReporterInput("1")));
        Assert.Equal(["channel", "description", "location.code", "reporter.phone", "urgency"], errors.Keys.Order());
    }
}
