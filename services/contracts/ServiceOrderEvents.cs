namespace GovPlatform.Contracts;

/// <summary>Who may take a service order (接单): a member unit (共建单位) or a party member.</summary>
public static class ServiceTakerKinds
{
    public const string MemberUnit = "member_unit";
    public const string PartyMember = "party_member";
}

// Order, dispatch, take, show (点单-派单-接单-晒单). The events carry no orderer's name or contact.

/// <summary>A resident or member unit ordered an item of a community's service menu (点单).</summary>
public record ServiceOrderPlaced(Guid OrderId, Guid MenuItemId, string CommunityCode, string OrdererKind, DateTimeOffset At);

/// <summary>The community dispatched the order to a member unit or party member (派单).</summary>
public record ServiceOrderDispatched(Guid OrderId, string CommunityCode, string TakerKind, Guid? TakerId, DateTimeOffset At);

/// <summary>The member unit or party member accepted the order (接单).</summary>
public record ServiceOrderTaken(Guid OrderId, string CommunityCode, string TakerKind, Guid? TakerId, DateTimeOffset At);

/// <summary>The order was done; its result is on the community's public list (晒单). Points as the menu item offers.</summary>
public record ServiceOrderCompleted(Guid OrderId, Guid MenuItemId, string CommunityCode, string TakerKind, Guid? TakerId, int? Points, DateTimeOffset At);
