using Dapper;
using GovPlatform.Contracts;
using GovPlatform.Dispatch.Community;
using GovPlatform.Dispatch.WorkOrders;
using GovPlatform.ServiceDefaults.Messaging;
using MassTransit;
using Npgsql;

namespace GovPlatform.Dispatch.Mediation;

/// <param name="Kind">One of <see cref="MediatorKinds.All"/>; the texts come trimmed and checked.</param>
public sealed record NewPlace(string CommunityCode, string Kind, string Name, string HostName, string OpeningHours);

/// <summary>
/// Registering a mediation studio (调解工作室) or talk-it-over point (说事点), one transaction with its
/// <see cref="MediationPlaceRegistered"/> in the outbox; a community's place names are unique.
/// </summary>
public sealed class MediationPlaces(NpgsqlDataSource db, TimeProvider clock)
{
    /// <returns>Done with the place's id; Invalid when the code is not a community; Forbidden when the actor does not
    /// answer for it; Conflict when the community has a place of that name.</returns>
    public async Task<StepResult> RegisterAsync(Actor actor, NewPlace place, CancellationToken ct)
    {
        var code = place.CommunityCode;
        await using var conn = await db.OpenConnectionAsync(ct);
        await using var tx = await conn.BeginTransactionAsync(ct);
        var path = await CommunityAccess.PathAsync(conn, tx, code, ct);
        if (path is null) return StepResult.Field("communityCode", $"'{code}' is not a community of the grid tree.");
        if (!CommunityAccess.Answers(actor, path)) return new StepResult.Forbidden($"You do not answer for community {code}.");
        var id = NewId.NextGuid();
        var now = clock.GetUtcNow();
        var added = await conn.ExecuteAsync(new CommandDefinition("""
            INSERT INTO mediation_places (id, community_code, scope_path, kind, name, host_name, opening_hours, registered_by, registered_at)
            VALUES (@id, @code, @path, @Kind, @Name, @HostName, @OpeningHours, @by, @now)
            ON CONFLICT (community_code, name) DO NOTHING
            """, new { id, code, path, place.Kind, place.Name, place.HostName, place.OpeningHours, by = actor.Subject, now },
            tx, cancellationToken: ct));
        if (added == 0) return new StepResult.Conflict("registered", $"Community {code} has a mediation place named '{place.Name}'.");
        await Outbox.EnqueueAsync(tx, new MediationPlaceRegistered(id, code, place.Kind, place.Name, now), ct);
        await tx.CommitAsync(ct);
        return new StepResult.Done(id);
    }
}
