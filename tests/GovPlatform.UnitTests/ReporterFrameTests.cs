using GovPlatform.Intake.Classification;

namespace GovPlatform.UnitTests;

/// <summary>
/// Who reports is not what is reported (the fifth round, docs/intake.md "Fifth round: reading past the reporter"): a
/// social worker's visit note, a grid worker's patrol, a hotline ticket's opener or a grandchild writing for a
/// grandparent frames a request of any category, and the frame must not decide the category. The shipped model (word
/// and character views) is checked; training on generated frames around every category was measured and not kept.
/// The texts here were written for these tests, not taken from any evaluation set or from the corpus.
/// </summary>
public sealed class ReporterFrameTests
{
    private static readonly LearnedClassifier Model = LearnedClassifier.FromShippedCorpus();

    // Frames of the kinds tools/intake-corpus/frames.py writes, worded differently from its list.
    public static readonly TheoryData<string> Frames =
    [
        "今天去看望楼里一个人住的老奶奶，出来时看见",
        "社区社工上门回访残疾人家庭时发现：",
        "我替我姥姥打个电话，她岁数大了不会弄手机，",
        "网格员在日常巡逻中发现，",
        "12345热线转办，来电人称：",
        "物业值班日志记录：",
    ];

    // One plain request of each of several categories, each read right without a frame.
    private static readonly (string Category, string Text)[] Requests =
    [
        ("street_light", "小区东门外那段路的路灯坏了好几盏，晚上黑乎乎的"),
        ("drainage", "楼后面的下水道堵了，污水漫到路上"),
        ("stairwell_clutter", "三楼楼道里堆满了旧纸箱和破家具，过人都难"),
        ("water_supply", "家里的自来水放出来黄黄的，还有一股铁锈味"),
        ("parking", "有辆外地车停在我的固定车位上好几天不走"),
        ("noise", "楼下烧烤店每天吵到凌晨两点，根本睡不着"),
    ];

    [Fact]
    public void A_visit_note_about_a_dark_street_is_a_street_light_request()
    {
        var result = Model.Classify("今天去看望3栋一个人住的老奶奶，出来的时候发现楼前那条路的路灯全不亮了，黑得看不见路");

        Assert.Equal("street_light", result.Category);
    }

    [Theory]
    [MemberData(nameof(Frames))]
    public void A_reporters_frame_does_not_change_the_category(string frame)
    {
        foreach (var (category, text) in Requests)
        {
            Assert.Equal(category, Model.Classify(text).Category);
            var framed = Model.Classify(frame + text);
            Assert.True(framed.Category == category, $"{frame}{text} → {framed.Category} {framed.Confidence:0.00}");
        }
    }

    [Theory]
    [InlineData("我替我奶奶说一下，她坐轮椅，单元门口那几级台阶下不去，想请社区给装个坡道")]
    [InlineData("社工走访时发现，独居的王奶奶好几天没吃上热饭了，想给她申请助餐")]
    public void The_persons_own_need_is_still_elderly_and_disabled_care(string text) =>
        Assert.Equal("elderly_disabled", Model.Classify(text).Category);
}
