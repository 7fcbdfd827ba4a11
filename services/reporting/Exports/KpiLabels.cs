namespace GovPlatform.Reporting.Exports;

/// <summary>
/// One zh-CN label and one definition per figure, written into the exports; the dashboard and the bulletin show the
/// same words (wwwroot/dashboard/labels.js) and docs/metrics.md defines them. Clock labels name no minutes: each
/// category sets its own clocks.
/// </summary>
public static class KpiLabels
{
    public static readonly IReadOnlyDictionary<string, (string Label, string Help)> All = new Dictionary<string, (string, string)>
    {
        ["acceptOnTimeRate"] = ("接单及时率", "首次接单未超过首次承诺时限的诉求 ÷ 接单时限已到的诉求（已接单或已超时）；时限按类别设定，升级后重新计时不改变判定"),
        ["arriveOnTimeRate"] = ("到场及时率", "首次到场未超过首次承诺时限的诉求 ÷ 到场时限已到的诉求（已到场或已超时）"),
        ["resolveOnTimeRate"] = ("办结及时率", "首次办结未超过首次承诺时限的诉求 ÷ 办结时限已到的诉求（不含按方案办结的）"),
        ["planOnTimeRate"] = ("出方案及时率", "按时形成方案的诉求 ÷ 被判定为复杂且方案时限已到的诉求（已出方案，或到场判定复杂后超时）；无人处理的诉求不计入"),
        ["planKeptRate"] = ("方案按期办结率", "在方案承诺日期前办结的诉求 ÷ 方案日期已到的诉求"),
        ["satisfactionRate"] = ("满意率", "满意与基本满意 ÷ 回访接通并作答的诉求；未接通的不计入分母"),
        ["mediationSuccess"] = ("调解成功率", "调解成功 ÷ 调结（达成协议、调解失败、转办）；受理数另列"),
        ["serviceOrderCompletionRate"] = ("完成率（晒单÷点单）", "已晒单 ÷ 本期点单"),
        ["takerCompletionRate"] = ("完成率（晒单÷派单）", "已晒单 ÷ 派给该接单方的订单"),
        ["gridCoverage"] = ("网格覆盖率", "统计期内任一时刻有网格员或网格长在岗的网格 ÷ 全部网格（在岗不必发生变化，一直在岗即计入）"),
        ["averageDaysToHeld"] = ("平均召开用时", "从安排议事会到记录召开的平均用时（早于计划日期召开的按实际用时计）"),
    };

    public static string Label(string key) => All[key].Label;
    public static string Help(string key) => All[key].Help;
}
