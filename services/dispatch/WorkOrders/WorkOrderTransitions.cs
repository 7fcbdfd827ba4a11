using System.Text;
using GovPlatform.Contracts;
using static GovPlatform.Dispatch.WorkOrders.WorkOrderActions;
using static GovPlatform.Dispatch.WorkOrders.WorkOrderStatus;

namespace GovPlatform.Dispatch.WorkOrders;

/// <summary>Who answers for an action on an order.</summary>
public enum Who
{
    /// <summary>The staff of the order's tier (and above), and the order's named assignee at any tier.</summary>
    Handler,
    /// <summary>The leaders among the tier's staff (grid leader and above): re-dispatching and pausing.</summary>
    Leaders,
    /// <summary>No one by hand: intake's events about the request.</summary>
    Intake,
}

/// <summary>
/// One row of the lifecycle: from these states, this action leads there, taken by whom, recorded in the order's
/// history as what, announced by which event, and carried out by <see cref="Apply"/>.
/// </summary>
/// <param name="To">Where the order ends up, as the documentation says it; the step's result carries the state itself.</param>
/// <param name="Departments">A department whistled in that has reported in may take it too (吹哨报到: the department that came does the fixing).</param>
/// <param name="History">The history row's action; escalation writes its own (it is shared with the missed clocks).</param>
/// <param name="Event">The event the step enqueues in the outbox, if any.</param>
/// <param name="Carries">What the request brings, for the documentation.</param>
public sealed record Transition(
    string Action, string[] From, string To, Who Who, bool Departments, string History, string? Event,
    Func<Step, CancellationToken, Task<TransitionResult>> Apply, string Carries = "");

/// <summary>
/// The work order's lifecycle as a table: every way an order moves is one row here, each carried out by one small
/// step in <see cref="WorkOrderSteps"/>. A state and action no row covers answers 409; <c>docs/dispatch.md</c>
/// shows <see cref="Markdown"/> of this table (a unit test keeps the two equal).
/// </summary>
public static class WorkOrderTransitions
{
    private static readonly string[] NotClosed = [.. All.Where(s => s != Closed)];
    private static readonly string[] Reopenable = [Resolved, PlanFormed, Closed];

    public static readonly IReadOnlyList<Transition> Table =
    [
        new(Accept, [Assigned], Accepted, Who.Handler, Departments: true, Accept, nameof(WorkOrderAccepted), WorkOrderSteps.AcceptAsync),
        new(Arrive, [WorkOrderStatus.Accepted], OnSite, Who.Handler, Departments: true, Arrive, nameof(WorkOrderArrived), WorkOrderSteps.ArriveAsync,
            "`{complex?}`"),
        new(Resolve, [OnSite, PlanFormed], Resolved, Who.Handler, Departments: true, Resolve, nameof(WorkOrderResolved), WorkOrderSteps.ResolveAsync,
            "`{resolution, attachmentIds?, position?}`"),
        new(Plan, [OnSite], PlanFormed, Who.Handler, Departments: true, Plan, nameof(WorkOrderPlanFormed), WorkOrderSteps.PlanAsync,
            "`{plan, dueAt}`"),
        new(Return, [Assigned, WorkOrderStatus.Accepted, OnSite], $"{Returned} (to the community)", Who.Handler, Departments: false, Return,
            nameof(WorkOrderReturned), WorkOrderSteps.ReturnAsync, "`{reason}`"),
        new(Transfer, [Assigned, WorkOrderStatus.Accepted, OnSite, Returned], $"{Assigned} (new round)", Who.Leaders, Departments: false, Transfer,
            nameof(WorkOrderTransferred), WorkOrderSteps.TransferAsync, "`{toWorkerId, reason}`"),
        new(Suspend, Open, Suspended, Who.Leaders, Departments: false, Suspend, nameof(WorkOrderSuspended), WorkOrderSteps.SuspendAsync,
            "`{reason, until}`"),
        new(Resume, [Suspended], "the state it was suspended from", Who.Leaders, Departments: false, Resume, nameof(WorkOrderResumed),
            WorkOrderSteps.ResumeAsync),
        new(Escalate, Open, $"{Assigned}, one tier up", Who.Handler, Departments: false, "escalated", nameof(WorkOrderEscalated),
            WorkOrderSteps.EscalateAsync, "`{reason}`"),
        new(Close, NotClosed, Closed, Who.Intake, Departments: false, "closed", nameof(WorkOrderClosed), WorkOrderSteps.CloseAsync,
            "(`RequestClosed`)"),
        new(Reopen, Reopenable, $"{Assigned} (new round)", Who.Intake, Departments: false, "reopened", nameof(WorkOrderReopened),
            WorkOrderSteps.ReopenAsync, "(`RequestReopened`)"),
        // Still being worked on: nothing to reopen, but the resident's complaint belongs in the timeline.
        new(Reopen, [.. NotClosed.Except(Reopenable)], "unchanged", Who.Intake, Departments: false, "reopen_noted", null,
            WorkOrderSteps.NoteReopenAsync, "(`RequestReopened`)"),
    ];

    /// <summary>The row that moves an order in <paramref name="status"/> by <paramref name="action"/>, or null: the order cannot do that now.</summary>
    public static Transition? Find(string action, string status) => Table.FirstOrDefault(t => t.Action == action && t.From.Contains(status));

    /// <summary>Who answers for an action (the same for every row of it), or null for an action the table does not know.</summary>
    public static Who? WhoMay(string action) => Table.FirstOrDefault(t => t.Action == action)?.Who;

    /// <summary>The table as <c>docs/dispatch.md</c> shows it.</summary>
    public static string Markdown()
    {
        var md = new StringBuilder();
        md.Append("| action | from | to | who | history | event |\n");
        md.Append("|---|---|---|---|---|---|\n");
        foreach (var t in Table)
        {
            var action = t.Carries == "" ? $"`{t.Action}`" : $"`{t.Action}` {t.Carries}";
            var from = t.From.SequenceEqual(Open) ? "any open state"
                : t.From.SequenceEqual(NotClosed) ? "anything but closed"
                : string.Join(", ", t.From);
            var who = t.Who switch
            {
                Who.Handler when t.Departments => "the tier's staff, the assignee, a department called in",
                Who.Handler => "the tier's staff, the assignee",
                Who.Leaders => "the tier's leaders",
                _ => "intake",
            };
            md.Append($"| {action} | {from} | {t.To} | {who} | `{t.History}` | {(t.Event is null ? "none" : $"`{t.Event}`")} |\n");
        }
        return md.ToString();
    }
}
