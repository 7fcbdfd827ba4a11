namespace GovPlatform.Contracts;

/// <summary>Kinds of fulfilment recorded against a service contract's commitment (服务合同).</summary>
public static class FulfilmentKinds
{
    /// <summary>A co-building event (共建活动) the unit held with the community, optionally a published volunteer activity.</summary>
    public const string CoBuilding = "co_building";
    /// <summary>A service order the unit (or one of its reported party members) took and completed.</summary>
    public const string ServiceOrder = "service_order";
    /// <summary>Anything else the commitment counts (funds, goods, hours), described in the entry.</summary>
    public const string Other = "other";
    public static readonly string[] All = [CoBuilding, ServiceOrder, Other];
}

/// <summary>A member unit signed a service contract with a community for a period, with its committed projects.</summary>
public record ServiceContractSigned(Guid ContractId, Guid UnitId, string CommunityCode, DateOnly StartsOn, DateOnly EndsOn,
    int Commitments, long Committed, DateTimeOffset At);

/// <summary>Fulfilment was recorded against one commitment of a contract: <paramref name="Quantity"/> more towards its target.</summary>
public record ServiceCommitmentFulfilled(Guid EntryId, Guid ContractId, Guid CommitmentId, Guid UnitId, string CommunityCode,
    string Kind, int Quantity, DateOnly HeldOn, DateTimeOffset At);

/// <summary>
/// A hardship or small wish (困难/微心愿) was solved by a member unit or by a party member reported to one (双报到):
/// a completed service order whose menu item is a wish or a hardship, attributed to the unit.
/// </summary>
public record HardshipSolved(Guid OrderId, Guid UnitId, string CommunityCode, string ItemKind, DateTimeOffset At);
