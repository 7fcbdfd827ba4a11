using GovPlatform.ServiceDefaults;

namespace GovPlatform.UnitTests;

public sealed class PersonalDataTests
{
    [Theory]
    [InlineData("13812341234", "138****1234")]
    [InlineData("0851-12345678", "085****5678")]
    [InlineData("12345", "***45")]
    [InlineData("12", "**")]
    public void Phones_are_masked_to_their_first_three_and_last_four_digits(string phone, string masked) =>
        Assert.Equal(masked, PersonalData.MaskPhone(phone));

    [Fact]
    public void An_anonymous_reporter_stays_null() => Assert.Null(PersonalData.MaskPhone(null));

    [Theory]
    [InlineData("张三", "张*")]
    [InlineData("欧阳娜娜", "欧***")]
    [InlineData("李", "李*")]
    public void Names_keep_only_their_first_character(string name, string masked) =>
        Assert.Equal(masked, PersonalData.MaskName(name));
}
