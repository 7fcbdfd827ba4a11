namespace GovPlatform.Web.Localization;

/// <summary>The words of the community cadres' deliberation screen (居民议事).</summary>
public sealed partial class Text
{
    private static readonly Dictionary<string, (string Zh, string En)> DeliberationStrings = new()
    {
        ["nav.deliberation"] = ("居民议事", "Deliberation"),
        ["delib.title"] = ("居民议事 · 居民提、众人议、一同定、联合做", "Deliberation · residents propose, all discuss, decide together, do it jointly"),
        ["delib.intro"] = ("记录议事会、岭上夜话、议事亭：谁参加、提了什么问题（自动转为诉求派单）、什么建议、化解了哪些纠纷。",
            "Record residents' councils, evening talks and pavilion talks: who came, the problems raised (filed as requests and dispatched), suggestions, disputes settled."),
        ["delib.community"] = ("社区编码", "Community code"),
        ["delib.record"] = ("记录一次议事", "Record a meeting"),
        ["delib.kind"] = ("形式", "Kind"),
        ["delib.kind.residents_council"] = ("居民议事会", "Residents' council"),
        ["delib.kind.night_talk"] = ("岭上夜话", "Evening talk"),
        ["delib.kind.pavilion"] = ("议事亭", "Deliberation pavilion"),
        ["delib.kind.other"] = ("其他", "Other"),
        ["delib.meetingTitle"] = ("议题", "Topic"),
        ["delib.place"] = ("地点", "Place"),
        ["delib.attendees"] = ("参加人员（每行一人：身份 姓名，身份为 干部/民警/调解员/居民/党员）", "Attendees (one per line: role name; role is cadre, police, mediator, resident or party_member)"),
        ["delib.needs"] = ("提出的问题（每行一条，转为诉求）", "Problems raised (one per line; each becomes a request)"),
        ["delib.suggestions"] = ("收集的建议（每行一条，不转诉求）", "Suggestions (one per line; not requests)"),
        ["delib.disputes"] = ("当场化解的纠纷（每行一起）", "Disputes settled there (one per line)"),
        ["delib.save"] = ("保存议事记录", "Save the meeting"),
        ["delib.saved"] = ("已记录，问题已转为诉求", "Recorded; the problems were filed as requests"),
        ["delib.meetings"] = ("议事记录", "Meetings"),
        ["delib.none"] = ("暂无议事记录。", "No meetings yet."),
        ["delib.needCount"] = ("问题", "Problems"),
        ["delib.suggestionCount"] = ("建议", "Suggestions"),
        ["delib.disputeCount"] = ("化解纠纷", "Disputes settled"),
        ["delib.filing"] = ("正在转为诉求…", "Being filed…"),
        ["delib.proposals"] = ("居民提议与表决", "Proposals and votes"),
        ["delib.tally"] = ("赞成 / 反对 / 弃权（户）", "For / against / abstain (households)"),
        ["delib.state.proposed"] = ("已提议", "Proposed"),
        ["delib.state.discussed"] = ("表决中", "Voting"),
        ["delib.state.adopted"] = ("已通过，办理中", "Adopted, being done"),
        ["delib.state.rejected"] = ("未通过", "Rejected"),
        ["delib.state.carried_out"] = ("已办结", "Carried out"),
    };
}
