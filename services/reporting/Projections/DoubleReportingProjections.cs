using GovPlatform.Contracts;
using Npgsql;

namespace GovPlatform.Reporting.Projections;

/// <summary>A wish or hardship a member unit (or its reported party member) solved: one row per service order.</summary>
public sealed class HardshipSolvedProjection(Projector p) : Projection<HardshipSolved>(p)
{
    protected override DateTimeOffset OccurredAt(HardshipSolved m) => m.At;

    private const string Sql = """
        INSERT INTO double_reporting_events (source_key, kind, unit_id, community_code, at)
        VALUES ('order:' || @OrderId, 'hardship', @UnitId, @CommunityCode, @at)
        ON CONFLICT (source_key) DO NOTHING
        """;

    protected override Task ApplyAsync(HardshipSolved m, NpgsqlTransaction tx, CancellationToken ct) =>
        ExecuteAsync(tx, Sql, new { OrderId = m.OrderId.ToString(), m.UnitId, m.CommunityCode, at = Utc(m.At) }, ct);
}

public sealed class ServiceContractSignedProjection(Projector p) : Projection<ServiceContractSigned>(p)
{
    protected override DateTimeOffset OccurredAt(ServiceContractSigned m) => m.At;

    private const string Sql = """
        INSERT INTO service_contracts (contract_id, unit_id, community_code, starts_on, ends_on, commitments, committed, signed_at)
        VALUES (@ContractId, @UnitId, @CommunityCode, @startsOn::date, @endsOn::date, @Commitments, @Committed, @at)
        ON CONFLICT (contract_id) DO NOTHING
        """;

    protected override Task ApplyAsync(ServiceContractSigned m, NpgsqlTransaction tx, CancellationToken ct) =>
        ExecuteAsync(tx, Sql, new
        {
            m.ContractId, m.UnitId, m.CommunityCode, startsOn = m.StartsOn.ToString("yyyy-MM-dd"), endsOn = m.EndsOn.ToString("yyyy-MM-dd"),
            m.Commitments, m.Committed, at = Utc(m.At),
        }, ct);
}

/// <summary>
/// Fulfilment of a contract's commitment; a co-building entry is also one co-building event (共建活动) of the unit in the
/// community, counted on the day it was held (China Standard Time midnight) so the period a figure falls in is the event's.
/// </summary>
public sealed class ServiceCommitmentFulfilledProjection(Projector p) : Projection<ServiceCommitmentFulfilled>(p)
{
    protected override DateTimeOffset OccurredAt(ServiceCommitmentFulfilled m) => m.At;

    private const string Sql = """
        INSERT INTO contract_fulfilments (entry_id, contract_id, kind, quantity, at)
        VALUES (@EntryId, @ContractId, @Kind, @Quantity, @at)
        ON CONFLICT (entry_id) DO NOTHING;
        INSERT INTO double_reporting_events (source_key, kind, unit_id, community_code, at)
        SELECT 'fulfilment:' || @entryKey, 'co_building', @UnitId, @CommunityCode, @heldAt
        WHERE @Kind = 'co_building'
        ON CONFLICT (source_key) DO NOTHING
        """;

    protected override Task ApplyAsync(ServiceCommitmentFulfilled m, NpgsqlTransaction tx, CancellationToken ct) =>
        ExecuteAsync(tx, Sql, new
        {
            m.EntryId, entryKey = m.EntryId.ToString(), m.ContractId, m.Kind, m.Quantity, at = Utc(m.At), m.UnitId, m.CommunityCode,
            heldAt = new DateTimeOffset(m.HeldOn.ToDateTime(TimeOnly.MinValue), TimeSpan.FromHours(8)).ToUniversalTime(),
        }, ct);
}
