using GovPlatform.Dispatch.WorkOrders;

namespace GovPlatform.UnitTests;

/// <summary>The lifecycle table itself, walked: every state and action gives the answer the documentation promises.</summary>
public sealed class WorkOrderTransitionsTests
{
    private const string No = "409";
    private const string NewRound = "assigned (new round)";
    private const string Returned = "returned (to the community)";
    private const string Back = "the state it was suspended from";
    private const string Up = "assigned, one tier up";
    private const string Noted = "unchanged";

    private static readonly string[] States = ["assigned", "accepted", "on_site", "plan_formed", "returned", "suspended", "resolved", "closed"];

    /// <summary>Where each action leads from each state (in <see cref="States"/>' order); 409 where it cannot.</summary>
    private static readonly Dictionary<string, string[]> Expected = new()
    {
        //                assigned     accepted     on_site        plan_formed  returned     suspended    resolved     closed
        ["accept"]    = ["accepted",  No,          No,            No,          No,          No,          No,          No],
        ["arrive"]    = [No,          "on_site",   No,            No,          No,          No,          No,          No],
        ["resolve"]   = [No,          No,          "resolved",    "resolved",  No,          No,          No,          No],
        ["plan"]      = [No,          No,          "plan_formed", No,          No,          No,          No,          No],
        ["return"]    = [Returned,    Returned,    Returned,      No,          No,          No,          No,          No],
        ["transfer"]  = [NewRound,    NewRound,    NewRound,      No,          NewRound,    No,          No,          No],
        ["suspend"]   = ["suspended", "suspended", "suspended",   "suspended", "suspended", No,          No,          No],
        ["resume"]    = [No,          No,          No,            No,          No,          Back,        No,          No],
        ["escalate"]  = [Up,          Up,          Up,            Up,          Up,          No,          No,          No],
        ["close"]     = ["closed",    "closed",    "closed",      "closed",    "closed",    "closed",    "closed",    No],
        ["reopen"]    = [Noted,       Noted,       Noted,         NewRound,    Noted,       Noted,       NewRound,    NewRound],
    };

    [Fact]
    public void Every_state_and_action_gives_the_documented_answer()
    {
        Assert.Equal(States.Order(), WorkOrderStatus.All.Order());
        Assert.Equal(Expected.Keys.Order(), WorkOrderTransitions.Table.Select(t => t.Action).Distinct().Order());
        foreach (var (action, row) in Expected)
            for (var i = 0; i < States.Length; i++)
            {
                var answer = WorkOrderTransitions.Find(action, States[i])?.To ?? No;
                Assert.True(row[i] == answer, $"{action} from {States[i]}: expected {row[i]}, the table says {answer}.");
                Assert.Equal(row[i] != No, WorkOrderRules.IsLegal(action, States[i]));
            }
    }

    [Fact]
    public void No_state_is_covered_twice_by_one_action() =>
        Assert.All(WorkOrderTransitions.Table.GroupBy(t => t.Action), rows =>
            Assert.Equal(rows.Sum(r => r.From.Length), rows.SelectMany(r => r.From).Distinct().Count()));

    [Theory]
    [InlineData("accept", Who.Handler, true, "accept", "WorkOrderAccepted")]
    [InlineData("arrive", Who.Handler, true, "arrive", "WorkOrderArrived")]
    [InlineData("resolve", Who.Handler, true, "resolve", "WorkOrderResolved")]
    [InlineData("plan", Who.Handler, true, "plan", "WorkOrderPlanFormed")]
    [InlineData("return", Who.Handler, false, "return", "WorkOrderReturned")]
    [InlineData("transfer", Who.Leaders, false, "transfer", "WorkOrderTransferred")]
    [InlineData("suspend", Who.Leaders, false, "suspend", "WorkOrderSuspended")]
    [InlineData("resume", Who.Leaders, false, "resume", "WorkOrderResumed")]
    [InlineData("escalate", Who.Handler, false, "escalated", "WorkOrderEscalated")]
    [InlineData("close", Who.Intake, false, "closed", "WorkOrderClosed")]
    public void Each_row_says_who_takes_it_what_the_history_records_and_which_event_leaves(
        string action, Who who, bool departments, string history, string @event)
    {
        var row = Assert.Single(WorkOrderTransitions.Table, t => t.Action == action);
        Assert.Equal((who, departments, history, @event), (row.Who, row.Departments, row.History, row.Event));
    }

    [Fact]
    public void A_reopen_of_an_order_still_being_worked_on_is_only_noted()
    {
        Assert.Equal(("reopened", "WorkOrderReopened"), (WorkOrderTransitions.Find("reopen", "resolved")!.History, WorkOrderTransitions.Find("reopen", "resolved")!.Event));
        Assert.Equal(("reopen_noted", null), (WorkOrderTransitions.Find("reopen", "on_site")!.History, WorkOrderTransitions.Find("reopen", "on_site")!.Event));
    }

    [Theory]
    [InlineData("close")]
    [InlineData("reopen")]
    public void Only_intakes_events_close_and_reopen_an_order(string action)
    {
        Assert.DoesNotContain(action, WorkOrderRules.Actions);
        Assert.False(WorkOrderRules.MayAct(["admin"], action, "county"));
    }

    [Fact]
    public void The_documentation_shows_the_tables_own_rows()
    {
        const string start = "<!-- lifecycle table: WorkOrderTransitions.Markdown() -->";
        var doc = File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "docs", "dispatch.md")).ReplaceLineEndings("\n");
        var at = doc.IndexOf(start, StringComparison.Ordinal);
        Assert.True(at >= 0, $"docs/dispatch.md has no '{start}' line above the lifecycle table.");
        var table = string.Concat(doc[(at + start.Length + 1)..].Split('\n').TakeWhile(l => l.StartsWith('|')).Select(l => l + "\n"));
        var expected = WorkOrderTransitions.Markdown();
        Assert.True(expected == table, $"docs/dispatch.md's lifecycle table differs from the code's; it should read:\n{expected}");
    }
}
