using System.Text.Json;
using System.Text.RegularExpressions;
using Dapper;
using GovPlatform.Contracts;
using GovPlatform.ServiceDefaults.Messaging;
using MassTransit;
using Npgsql;

namespace GovPlatform.Dispatch.Mediation;

/// <summary>
/// A resident's application for mediation from the doorplate page (intake files it as a <c>neighbour_dispute</c>
/// request whose text starts <c>【申请调解·邻里纠纷】</c>) opens a mediation case beside its work order, in the same
/// transaction: the work order is routed like any other, and the community's mediators find the case already open
/// instead of waiting for someone to read the request and open one by hand.
/// </summary>
public static partial class ResidentApplications
{
    public const string Channel = "qr_doorplate";
    public const string Category = "neighbour_dispute";

    /// <summary>Intake's words for the kinds a resident picks (ResidentsApi.MediationKinds), back to the case's kinds.</summary>
    private static readonly Dictionary<string, string> Kinds = new()
    {
        ["邻里纠纷"] = MediationKinds.Neighbour, ["业主与物业纠纷"] = MediationKinds.Property, ["家庭纠纷"] = MediationKinds.Family,
    };

    [GeneratedRegex(@"^【申请调解·(?<kind>[^】]{1,20})】")]
    private static partial Regex Marker();

    [GeneratedRegex(@"\n对方：(?<other>[^\n]{1,100})$")]
    private static partial Regex OtherParty();

    public static bool IsApplication(RequestSubmitted m) =>
        m.Channel == Channel && m.Category == Category && m.Case is { } c && Marker().IsMatch(c.Description);

    /// <summary>Opens the case for the request's work order; nothing when the place is in no community (no mediators to take it).</summary>
    public static async Task<Guid?> OpenAsync(NpgsqlTransaction tx, RequestSubmitted m, Guid workOrderId, string? community,
        IReadOnlyList<string> path, DateTimeOffset now, CancellationToken ct)
    {
        if (community is null || m.Case is not { } c) return null;
        var conn = tx.Connection!;
        var label = Marker().Match(c.Description).Groups["kind"].Value;
        var kind = Kinds.GetValueOrDefault(label, MediationKinds.Other);
        var communityName = await conn.QuerySingleAsync<string>(new CommandDefinition(
            "SELECT name FROM grid_nodes WHERE code = @community", new { community }, tx, cancellationToken: ct));
        var scopePath = path.TakeWhile(p => p != community).Append(community).ToArray();
        // The community's own talk-it-over point takes it until a mediator is named on the case.
        var mediatorName = $"{communityName}说事点";
        var caseId = NewId.NextGuid();
        const string insert = """
            INSERT INTO mediation_cases (id, community_code, scope_path, kind, summary, request_id, work_order_id,
                                         mediator_kind, mediator_name, state, opened_at, opened_by)
            VALUES (@caseId, @community, @scopePath, @kind, @summary, @RequestId, @workOrderId,
                    'talk_point', @mediatorName, 'open', @now, 'dispatch')
            """;
        await conn.ExecuteAsync(new CommandDefinition(insert, new
        {
            caseId, community, scopePath, kind, summary = c.Description.Length > 500 ? c.Description[..500] : c.Description,
            m.RequestId, workOrderId, mediatorName, now,
        }, tx, cancellationToken: ct));
        // The names as the event carries them: masked. The mediators get the full ones from the resident.
        var parties = new List<Party> { new(c.ReporterName ?? "申请人", "申请人") };
        if (OtherParty().Match(c.Description) is { Success: true } other) parties.Add(new(other.Groups["other"].Value.Trim(), "对方"));
        await conn.ExecuteAsync(new CommandDefinition(
            "INSERT INTO mediation_parties (case_id, position, name, role) VALUES (@caseId, @position, @Name, @Role)",
            parties.Select((p, i) => new { caseId, position = i, p.Name, p.Role }), tx, cancellationToken: ct));
        var detail = JsonSerializer.Serialize(new { caseId, kind, mediatorName, reason = "a resident applied for mediation" }, Outbox.Json);
        await conn.ExecuteAsync(new CommandDefinition(
            "INSERT INTO work_order_history (work_order_id, at, action, actor, actor_name, detail) VALUES (@workOrderId, @now, 'mediation_opened', 'dispatch', '调度系统', @detail::jsonb)",
            new { workOrderId, now, detail }, tx, cancellationToken: ct));
        await Outbox.EnqueueAsync(tx, new MediationCaseOpened(caseId, m.RequestId, community, kind, mediatorName, now), ct);
        return caseId;
    }
}
