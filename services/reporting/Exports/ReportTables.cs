using GovPlatform.Reporting.Kpis;

namespace GovPlatform.Reporting.Exports;

/// <summary>One table of figures, as the page shows it and as the exports write it: zh-CN headers first.</summary>
public sealed record ReportTable(string Name, string Title, IReadOnlyList<string> Headers, IReadOnlyList<object?[]> Rows);

/// <summary>Turns the query results into the tables every export and the bulletin share.</summary>
public static class ReportTables
{
    /// <summary>The tables built from the KPI report; rankings and the trend are added by their own queries.</summary>
    public static readonly string[] FromKpis =
        ["kpis", "by-channel", "by-category", "escalations", "departments", "mediation", "volunteer", "double-reporting", "property-companies",
         "service-orders", "service-order-takers", "councils", "clocks-by-tier"];

    public static readonly string[] All = [.. FromKpis, "trend", "rankings", "tree"];

    private static object?[] RateRow(string key, string zh, Rate r) => [key, zh, r.Numerator, r.Denominator, r.Value, null];

    /// <summary>A rate whose label and definition are the dashboard's (<see cref="KpiLabels"/>).</summary>
    private static object?[] DefinedRow(string key, Rate r) => [key, KpiLabels.Label(key), r.Numerator, r.Denominator, r.Value, KpiLabels.Help(key)];

    public static ReportTable Build(string name, KpiQueries.KpiReport k) => name switch
    {
        "kpis" => new ReportTable(name, "核心指标", ["指标代码", "指标", "分子", "分母", "数值", "口径"],
        [
            ["requests", "诉求总量", k.Totals.Requests, null, k.Totals.Requests, null],
            ["own", "有效诉求(不含重复)", k.Totals.Own, null, k.Totals.Own, null],
            RateRow("responseRate", "响应率", k.Totals.ResponseRate),
            RateRow("resolutionRate", "解决率", k.Totals.ResolutionRate),
            DefinedRow("satisfactionRate", k.Totals.SatisfactionRate),
            RateRow("reopenRate", "重办率", k.Totals.ReopenRate),
            RateRow("duplicateRate", "重复率", k.Totals.DuplicateRate),
            DefinedRow("acceptOnTimeRate", k.Totals.AcceptOnTimeRate),
            DefinedRow("arriveOnTimeRate", k.Totals.ArriveOnTimeRate),
            DefinedRow("planOnTimeRate", k.Totals.PlanOnTimeRate),
            DefinedRow("resolveOnTimeRate", k.Totals.ResolveOnTimeRate),
            DefinedRow("planKeptRate", k.Totals.PlanKeptRate),
            ["averageHandlingMinutes", "平均办理时长(分钟)", null, null, Round(k.Totals.AverageHandlingMinutes), null],
            ["p90HandlingMinutes", "90分位办理时长(分钟)", null, null, Round(k.Totals.P90HandlingMinutes), null],
            ["whistles", "吹哨次数", k.Totals.Whistles, null, k.Totals.Whistles, null],
            ["councils", "议事会次数", k.Totals.Councils, null, k.Totals.Councils, null],
            ["mediationOpened", "受理矛盾纠纷", k.Mediation.Opened, null, k.Mediation.Opened, null],
            DefinedRow("mediationSuccess", k.Mediation.Success),
            DefinedRow("gridCoverage", k.GridCoverage.Rate),
            ["serviceOrdersPlaced", "点单数", k.ServiceOrders.Placed, null, k.ServiceOrders.Placed, null],
            RateRow("serviceOrderDispatchRate", "派单率", k.ServiceOrders.DispatchRate),
            RateRow("serviceOrderTakeRate", "接单率", k.ServiceOrders.TakeRate),
            DefinedRow("serviceOrderCompletionRate", k.ServiceOrders.CompletionRate),
            ["serviceOrderAverageCompletionHours", "平均完成时长(小时)", null, null, Round(k.ServiceOrders.AverageCompletionHours), null],
            ["communityNotified", "安全隐患通知社区", k.CommunityNotifications.Notified, null, k.CommunityNotifications.Notified, null],
            RateRow("communityNotifiedResolution", "通知隐患解决率", k.CommunityNotifications.ResolutionRate),
            RateRow("redemptionPickupRate", "兑换领取率", k.Volunteer.PickupRate),
        ]),
        "by-channel" => new ReportTable(name, "分渠道诉求", ["渠道", "名称", "诉求量", "已解决"],
            k.ByChannel.Select(b => new object?[] { b.Key, b.Name, b.Requests, b.Resolved }).ToList()),
        "by-category" => new ReportTable(name, "分类别诉求", ["类别", "名称", "诉求量", "已解决"],
            k.ByCategory.Select(b => new object?[] { b.Key, b.Name, b.Requests, b.Resolved }).ToList()),
        "escalations" => new ReportTable(name, "分级升级", ["升级至", "升级次数", "涉及诉求"],
            k.EscalationsByTier.Select(t => new object?[] { t.Tier, t.Escalations, t.Requests }).ToList()),
        "departments" => new ReportTable(name, "吹哨报到", ["部门", "吹哨", "报到", "迟报", "未报到", "已处置", "按时报到率"],
            k.Departments.Select(d => new object?[] { d.Department, d.Whistled, d.Reported, d.ReportedLate, d.Missed, d.Acted, d.OnTimeReport.Value }).ToList()),
        "mediation" => new ReportTable(name, "矛盾纠纷调解", ["受理", "调结", "调解成功", "转办", "调解成功率（成功÷调结）"],
            [[k.Mediation.Opened, k.Mediation.Closed, k.Mediation.Agreements, k.Mediation.Referred, k.Mediation.Success.Value]]),
        "volunteer" => new ReportTable(name, "志愿服务与积分",
            ["服务时长(小时)", "服务人数", "发放积分", "兑换积分", "过期积分", "调整积分", "兑换预订", "已领取", "已退还", "领取率"],
            [[k.Volunteer.Hours, k.Volunteer.Volunteers, k.Volunteer.PointsIssued, k.Volunteer.PointsRedeemed, k.Volunteer.PointsExpired, k.Volunteer.PointsCorrected,
              k.Volunteer.Redemptions, k.Volunteer.RedemptionsPickedUp, k.Volunteer.RedemptionsRefunded, k.Volunteer.PickupRate.Value]]),
        "service-orders" => new ReportTable(name, "点单派单(分社区)", ["社区代码", "社区", "点单", "派单", "接单", "晒单(完成)", KpiLabels.Label("serviceOrderCompletionRate"), "平均完成时长(小时)"],
            k.ServiceOrdersByCommunity.Select(o => new object?[]
            {
                o.Code, o.Name, o.Placed, o.Dispatched, o.Taken, o.Completed, o.CompletionRate.Value, Round(o.AverageCompletionHours),
            }).ToList()),
        "service-order-takers" => new ReportTable(name, "点单派单(分接单方)", ["接单方类型", "接单方", "派单", "接单", "晒单(完成)", KpiLabels.Label("takerCompletionRate"), "平均完成时长(小时)"],
            k.ServiceOrdersByTaker.Select(o => new object?[]
            {
                TakerKindZh(o.TakerKind), o.TakerId?.ToString(), o.Dispatched, o.Taken, o.Completed, o.CompletionRate.Value, Round(o.AverageCompletionHours),
            }).ToList()),
        "councils" => new ReportTable(name, "议事协商(分类型)", ["类型", "名称", "已安排", "已召开", "未召开", "平均召开用时(天)"],
            k.CouncilsByKind.Select(c => new object?[]
            {
                c.Kind, CouncilKindZh(c.Kind), c.Scheduled, c.Held, c.Open, Round(c.AverageDaysToHeld),
            }).ToList()),
        "clocks-by-tier" => new ReportTable(name, "分级时限(各级按本级时限)", ["层级", "名称", "时限", "名称", "时限已到", "本级按时", "本级及时率"],
            k.ClocksByTier.Select(c => new object?[]
            {
                c.Tier, TierZh(c.Tier), c.Clock, ClockZh(c.Clock), c.Ended, c.OnTime, c.Rate.Value,
            }).ToList()),
        "double-reporting" => new ReportTable(name, "双报到履职", ["单位", "报到党员", "参与服务", "履职率"],
            k.DoubleReporting.Select(u => new object?[] { u.UnitId.ToString(), u.Reported, u.Served, u.Coverage.Value }).ToList()),
        "property-companies" => new ReportTable(name, "物业企业评价", ["物业企业", "服务小区", "诉求", "已解决", "解决率", "评价数", "满意", "满意率", "评级"],
            k.PropertyCompanies.Select(c => new object?[]
            {
                c.Company, c.Compounds, c.Requests, c.Resolved, c.Resolution.Value, c.Rated, c.Satisfied, c.Satisfaction.Value, GradeZh(c.Grade),
            }).ToList()),
        _ => throw new ArgumentOutOfRangeException(nameof(name), name, "Not a table of the KPI report."),
    };

    public static ReportTable Build(IReadOnlyList<Trend.Point> points) =>
        new("trend", "趋势", ["时间", "诉求量", "有效诉求", "已响应", "已解决", "解决率", "满意率", "办结及时率"],
            points.Select(p => new object?[]
            {
                p.Bucket, p.Requests, p.Own, p.Accepted, p.Resolved, p.ResolutionRate.Value, p.SatisfactionRate.Value, p.ResolveOnTimeRate.Value,
            }).ToList());

    public static ReportTable Build(Rankings.Ranking r) =>
        new("rankings", $"排名({LevelZh(r.Level)})", ["名次", "代码", "名称", "分子", "分母", "比率", "威尔逊下限"],
            r.Entries.Select(e => new object?[] { e.Rank?.ToString() ?? "样本不足", e.Code, e.Name, e.Numerator, e.Denominator, e.Rate, e.WilsonLowerBound }).ToList());

    public static ReportTable Build(IReadOnlyList<TreeFigures.Node> nodes) =>
        new("tree", "网格树分布", ["代码", "名称", "层级", "有效诉求", "响应率", "解决率", "满意率", "办结及时率"],
            nodes.Select(n => new object?[]
            {
                n.Code, n.Name, LevelZh(n.Level), n.Own, n.ResponseRate.Value, n.ResolutionRate.Value, n.SatisfactionRate.Value, n.ResolveOnTimeRate.Value,
            }).ToList());

    public static string GradeZh(string grade) => grade switch
    {
        "good" => "好", "fair" => "中", "poor" => "差", _ => "样本不足",
    };

    public static string TakerKindZh(string kind) => kind switch
    {
        "member_unit" => "共建单位", "party_member" => "党员", _ => kind,
    };

    public static string CouncilKindZh(string kind) => kind switch
    {
        "three_party" => "三方联动议事", "joint_meeting" => "联席会议", _ => kind,
    };

    public static string TierZh(string tier) => tier switch
    {
        "compound" => "小区", "community" => "社区", "subdistrict" => "街道", "county" => "县", _ => tier,
    };

    public static string ClockZh(string clock) => clock switch
    {
        "accept" => "接单", "arrive" => "到场", "resolve" => "办结", "plan" => "出方案", _ => clock,
    };

    public static string LevelZh(string level) => level switch
    {
        "subdistrict" => "街道", "community" => "社区", "compound" => "小区", "grid" => "网格", "department" => "部门", "unit" => "单位", _ => level,
    };

    private static double? Round(double? v) => v is null ? null : Math.Round(v.Value, 2);
}
