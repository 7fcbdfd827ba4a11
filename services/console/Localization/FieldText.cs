namespace GovPlatform.Web.Localization;

/// <summary>The words of the grid worker's phone screens (the order card and the patrol report), zh-CN first.</summary>
public sealed partial class Text
{
    private static readonly Dictionary<string, (string Zh, string En)> FieldStrings = new()
    {
        ["worker.case.description"] = ("诉求内容", "What the resident said"),
        ["worker.case.address"] = ("地址", "Address"),
        ["worker.case.place"] = ("位置", "Place"),
        ["worker.case.reporter"] = ("反映人", "Reported by"),
        ["worker.case.anonymous"] = ("匿名", "Anonymous"),
        ["worker.case.photos"] = ("现场照片", "Photos"),
        ["worker.case.none"] = ("此工单无诉求详情，请向总台查询。", "This order carries no case details; ask the desk."),
        ["worker.case.reveal"] = ("查看完整号码（留痕）", "Show the whole number (logged)"),
        ["worker.case.revealed"] = ("已记录本次查看", "This view is recorded"),
        ["worker.case.enlarge"] = ("点击放大", "Tap to enlarge"),
        ["worker.case.close"] = ("关闭", "Close"),
        ["worker.clock.accept"] = ("接单时限", "Accept by"),
        ["worker.clock.arrive"] = ("到场时限", "On site by"),
        ["worker.clock.resolve"] = ("办结时限", "Fixed by"),
        ["worker.clock.plan"] = ("方案时限", "Plan by"),
        ["worker.clock.plan_due"] = ("方案完成时限", "Done by (plan)"),
        ["worker.clock.left"] = ("剩余", "left"),
        ["worker.clock.over"] = ("已超时", "overdue by"),
        ["worker.clock.paused"] = ("已暂停", "paused"),
        ["worker.patrol.intro"] = ("巡查中发现的问题在此上报，提交后即生成工单。", "Report what you find on patrol; it becomes a work order."),
        ["worker.patrol.category"] = ("问题类别", "Category"),
        ["worker.patrol.description"] = ("问题描述", "Description"),
        ["worker.patrol.building"] = ("楼栋 / 位置", "Building / place"),
        ["worker.patrol.wholeGrid"] = ("网格内（不具体到楼栋）", "In the grid (no building)"),
        ["worker.patrol.photos"] = ("拍照 / 选择照片", "Take or choose photos"),
        ["worker.patrol.position"] = ("附上当前位置", "Add my position"),
        ["worker.patrol.positionAt"] = ("当前位置", "Position"),
        ["worker.patrol.positionDenied"] = ("无法获取位置（未授权或不可用），可不附位置提交。", "No position (not allowed or unavailable); you can file without it."),
        ["worker.patrol.submit"] = ("提交上报", "File the report"),
        ["worker.patrol.filed"] = ("已上报，工单号", "Filed, ticket"),
        ["worker.patrol.noGrid"] = ("您的账号未设置所属网格，无法上报；请联系管理员。", "Your account has no grid; ask an admin."),
        ["worker.patrol.error.category"] = ("请选择问题类别。", "Choose a category."),
        ["worker.patrol.error.description"] = ("请填写问题描述（5 至 4000 字）。", "Describe the problem (5 to 4000 characters)."),
        ["worker.patrol.error.building"] = ("请选择本网格内的楼栋或位置。", "Choose a building or place in your grid."),
        ["worker.patrol.error.photoCount"] = ("最多 6 张照片。", "At most 6 photos."),
        ["worker.patrol.error.photoType"] = ("照片须为 JPEG、PNG 或 WebP 格式：", "Photos must be JPEG, PNG or WebP: "),
        ["worker.patrol.error.photoSize"] = ("单张照片不能超过 10 MB：", "A photo may be at most 10 MB: "),
        ["worker.patrol.error.upload"] = ("照片上传失败，未提交上报：", "The photos could not be uploaded; nothing was filed: "),
        ["worker.patrol.error.filed"] = ("上报未成功：", "The report was not filed: "),
        ["worker.patrol.errors"] = ("请修正以下问题：", "Please fix the following:"),
    };
}
