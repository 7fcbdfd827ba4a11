using System.Globalization;

namespace GovPlatform.Web.Localization;

/// <summary>
/// The console's words, zh-CN first and English second, chosen by the request's UI culture (the language switch sets
/// a cookie). One table instead of .resx files: the console is small, and a missing English text falls back to the
/// Chinese rather than to a key.
/// </summary>
public sealed partial class Text
{
    public string this[string key] => Strings.TryGetValue(key, out var s) || FieldStrings.TryGetValue(key, out s) || ScreenStrings.TryGetValue(key, out s)
        || HotSpotStrings.TryGetValue(key, out s)
        || DeliberationStrings.TryGetValue(key, out s)
        || Lane16Strings.TryGetValue(key, out s)
        || AdminStrings.TryGetValue(key, out s)
        || PointsStrings.TryGetValue(key, out s)
        || BoardStrings.TryGetValue(key, out s)
        ? (CultureInfo.CurrentUICulture.TwoLetterISOLanguageName == "en" && s.En.Length > 0 ? s.En : s.Zh)
        : key;

    public static bool English => CultureInfo.CurrentUICulture.TwoLetterISOLanguageName == "en";

    private static readonly Dictionary<string, (string Zh, string En)> Strings = new()
    {
        ["app.title"] = ("基层治理工作台", "GovPlatform console"),
        ["app.signout"] = ("退出登录", "Sign out"),
        ["app.language"] = ("English", "中文"),
        ["nav.home"] = ("首页", "Home"),
        ["nav.desk"] = ("民声总台", "People's voice desk"),
        ["nav.desk.file"] = ("登记诉求", "File a request"),
        ["nav.desk.triage"] = ("待分类", "Triage"),
        ["nav.desk.ledger"] = ("诉求台账", "Ledger"),
        ["nav.desk.callbacks"] = ("回访", "Callbacks"),
        ["nav.worker"] = ("网格员", "Grid worker"),
        ["nav.worker.orders"] = ("我的工单", "My orders"),
        ["nav.worker.patrol"] = ("巡查上报", "Patrol report"),
        ["nav.dispatcher"] = ("调度看板", "Dispatch board"),
        ["nav.department"] = ("部门报到", "Department"),
        ["nav.points"] = ("积分超市", "Points counter"),
        ["nav.admin"] = ("系统管理", "Administration"),
        ["nav.reports"] = ("领导驾驶舱", "Leaders' dashboard"),
        ["denied.title"] = ("无权访问", "Not allowed"),
        ["denied.text"] = ("您的角色不能打开这个页面。", "Your role cannot open this page."),
        ["home.welcome"] = ("欢迎，", "Welcome, "),
        ["home.roles"] = ("角色", "Roles"),
        ["home.scope"] = ("负责范围", "Scope"),
        ["common.save"] = ("保存", "Save"),
        ["common.search"] = ("查询", "Search"),
        ["common.refresh"] = ("刷新", "Refresh"),
        ["common.none"] = ("暂无", "None"),
        ["common.ticket"] = ("工单号", "Ticket"),
        ["common.status"] = ("状态", "Status"),
        ["common.category"] = ("类别", "Category"),
        ["common.location"] = ("位置", "Location"),
        ["common.description"] = ("诉求内容", "Description"),
        ["common.submitted"] = ("登记时间", "Submitted"),
        ["common.reason"] = ("理由", "Reason"),
        ["common.skeleton"] = ("此页面正在建设中。", "This screen is being built."),
        ["desk.channel"] = ("来源渠道", "Channel"),
        ["desk.reporter.phone"] = ("来电号码", "Caller's phone"),
        ["desk.reporter.name"] = ("姓名", "Name"),
        ["desk.suggested"] = ("建议类别", "Suggested category"),
        ["desk.code"] = ("网格/楼栋编码", "Grid or building code"),
        ["desk.address"] = ("地址", "Address"),
        ["desk.lat"] = ("纬度", "Latitude"),
        ["desk.lon"] = ("经度", "Longitude"),
        ["desk.locate"] = ("按坐标定位网格", "Find the grid"),
        ["desk.nearby"] = ("附近未办结诉求（可能重复）", "Open requests nearby (possible duplicates)"),
        ["desk.submit"] = ("登记并派单", "File and dispatch"),
        ["desk.filed"] = ("已登记，工单号", "Filed, ticket"),
        ["desk.urgency"] = ("紧急程度", "Urgency"),
        ["desk.choose"] = ("确定类别", "Choose"),
        ["desk.callback.reached"] = ("已联系到居民", "Resident reached"),
        ["desk.callback.record"] = ("记录回访", "Record callback"),
        ["desk.callback.comment"] = ("回访备注", "Comment"),
        ["worker.onduty"] = ("在岗", "On duty"),
        ["worker.accept"] = ("接单", "Accept"),
        ["worker.arrive"] = ("到场", "Arrived"),
        ["worker.plan"] = ("制定方案", "Plan"),
        ["worker.resolve"] = ("办结", "Resolve"),
        ["worker.resolution"] = ("处置情况", "What was done"),
        ["worker.new"] = ("新工单", "New order"),
        ["worker.mine"] = ("派给我", "Mine"),
        ["board.tier"] = ("层级", "Tier"),
        ["board.dueSoon"] = ("即将超时", "Due soon"),
        ["board.overdue"] = ("已超时", "Overdue"),
        ["board.escalated"] = ("已升级", "Escalated"),
        ["board.transfer"] = ("转派", "Transfer"),
        ["board.return"] = ("退回", "Return"),
        ["board.escalate"] = ("上报升级", "Escalate"),
        ["board.whistle"] = ("吹哨", "Whistle"),
        ["reports.open"] = ("打开领导驾驶舱", "Open the dashboard"),
        ["reports.bulletin"] = ("打开通报", "Open the bulletin"),
        ["status.assigned"] = ("待接单", "Assigned"),
        ["status.accepted"] = ("已接单", "Accepted"),
        ["status.on_site"] = ("已到场", "On site"),
        ["status.planned"] = ("已制定方案", "Planned"),
        ["status.resolved"] = ("已办结", "Resolved"),
        ["status.closed"] = ("已关闭", "Closed"),
        ["status.submitted"] = ("已登记", "Submitted"),
        ["status.triage"] = ("待分类", "Triage"),
        ["status.linked"] = ("已并案", "Linked"),
        ["status.suspended"] = ("已挂起", "Suspended"),
        ["status.plan_formed"] = ("已制定方案", "Plan formed"),
        ["status.returned"] = ("已退回", "Returned"),
        ["tier.compound"] = ("小区/网格", "Compound"),
        ["tier.community"] = ("社区", "Community"),
        ["tier.subdistrict"] = ("街道", "Subdistrict"),
        ["tier.county"] = ("县级", "County"),
        ["channel.hotline"] = ("热线电话", "Hotline"),
        ["channel.walk_in"] = ("来访", "Walk-in"),
        ["channel.wechat_group"] = ("微信群", "WeChat group"),
        ["satisfaction.satisfied"] = ("满意", "Satisfied"),
        ["satisfaction.basically_satisfied"] = ("基本满意", "Basically satisfied"),
        ["satisfaction.dissatisfied"] = ("不满意", "Dissatisfied"),
    };
}
