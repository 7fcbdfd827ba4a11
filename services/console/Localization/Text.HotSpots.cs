namespace GovPlatform.Web.Localization;

/// <summary>The words of the hot-spot screen (未诉先办).</summary>
public sealed partial class Text
{
    private static readonly Dictionary<string, (string Zh, string En)> HotSpotStrings = new()
    {
        ["nav.hotspots"] = ("未诉先办", "Hot spots"),
        ["hotspots.title"] = ("未诉先办 · 高频问题", "Act before anyone calls · hot spots"),
        ["hotspots.intro"] = ("同一地点、同一类问题在一个月内被多位居民反映：采纳后生成主动工单，派往所在网格，按主动处置时限办理；不采纳请写明理由。",
            "Several residents reported one kind of problem at one place within a month: accept it to open a proactive work order for its grid, run on the proactive clocks; give a reason when dismissing."),
        ["hotspots.show"] = ("显示", "Show"),
        ["hotspots.status.proposed"] = ("待决定", "Proposed"),
        ["hotspots.status.accepted"] = ("已采纳", "Accepted"),
        ["hotspots.status.dismissed"] = ("未采纳", "Dismissed"),
        ["hotspots.status.all"] = ("全部", "All"),
        ["hotspots.level.building"] = ("楼栋", "Building"),
        ["hotspots.level.grid"] = ("网格", "Grid"),
        ["hotspots.level.community"] = ("社区", "Community"),
        ["hotspots.requests"] = ("次来电", "calls"),
        ["hotspots.span"] = ("时间跨度", "Between"),
        ["hotspots.topic"] = ("问题要点", "Topic"),
        ["hotspots.why"] = ("依据：居民诉求", "Why: the residents' requests"),
        ["hotspots.note"] = ("处置意见 / 理由", "Note / reason"),
        ["hotspots.accept"] = ("采纳并派主动工单", "Accept: open a proactive order"),
        ["hotspots.dismiss"] = ("不采纳", "Dismiss"),
        ["hotspots.decided"] = ("已决定", "Decided"),
        ["hotspots.order"] = ("主动工单", "Proactive order"),
        ["hotspots.order.pending"] = ("工单生成中…", "Opening the order…"),
        ["hotspots.order.assignee"] = ("承办", "With"),
        ["hotspots.none"] = ("暂无高频问题。", "No hot spots."),
        ["hotspots.failed"] = ("操作未成功", "Not done"),
    };
}
