using Dapper;
using GovPlatform.Contracts;
using GovPlatform.ServiceDefaults.Messaging;
using GovPlatform.Volunteer.Points;
using MassTransit;
using Npgsql;

namespace GovPlatform.Volunteer.Consumers;

/// <summary>
/// Credits the volunteers who mediated a closed dispute case, by the "mediation" points rule.
/// Each volunteer's award is keyed by the case, so a redelivered or republished event credits nobody twice.
/// </summary>
public sealed class MediationCaseClosedConsumer(NpgsqlDataSource db, TimeProvider clock, ILogger<MediationCaseClosedConsumer> logger)
    : InboxConsumer<MediationCaseClosed>(db)
{
    protected override async Task HandleAsync(ConsumeContext<MediationCaseClosed> context, NpgsqlTransaction tx)
    {
        var m = context.Message;
        var ct = context.CancellationToken;
        var conn = tx.Connection!;
        var rule = await PointsBook.RuleAsync(conn, tx, "mediation", ct)
            ?? throw new InvalidOperationException("The 'mediation' points rule is missing.");
        if (rule.Bonus == 0) return;

        // Dispatch names people by the ids they registered with here; anyone else is not ours to credit.
        var known = (await conn.QueryAsync<Guid>(new CommandDefinition(
            "SELECT id FROM volunteers WHERE id = ANY(@ids) ORDER BY id", new { ids = m.MediatorVolunteerIds.Distinct().ToArray() }, tx, cancellationToken: ct))).AsList();
        foreach (var unknown in m.MediatorVolunteerIds.Except(known))
            logger.LogWarning("Mediation case {CaseId} names volunteer {VolunteerId}, who is not registered; no points", m.CaseId, unknown);

        var now = clock.GetUtcNow();
        foreach (var volunteerId in known)
        {
            await PointsBook.AwardAsync(tx, new PointsBook.Award(volunteerId, rule.Bonus,
                $"调解结案 mediation case closed ({m.Outcome})", $"mediation:{m.CaseId}:{volunteerId}", "dispatch", now,
                rule.ExpiryDays is int days ? now.AddDays(days) : null), ct);
        }
    }
}
