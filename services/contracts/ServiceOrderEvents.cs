namespace GovPlatform.Contracts;

/// <summary>Who may take a service order (接单): a member unit (共建单位) or a party member.</summary>
public static class ServiceTakerKinds
{
    public const string MemberUnit = "member_unit";
    public const string PartyMember = "party_member";
    /// <summary>A registered volunteer who is not a party member; credited with the item's points like a party member.</summary>
    public const string Volunteer = "volunteer";
}

/// <summary>What a service-menu item offers: a service, a small wish (微心愿), or help with a hardship (困难帮扶).</summary>
public static class ServiceItemKinds
{
    public const string Service = "service";
    public const string Wish = "wish";
    public const string Hardship = "hardship";
    public static readonly string[] All = [Service, Wish, Hardship];
}

// Order, dispatch, take, show (点单-派单-接单-晒单). The events carry no orderer's name or contact.

/// <summary>A resident or member unit ordered an item of a community's service menu (点单).</summary>
public record ServiceOrderPlaced(Guid OrderId, Guid MenuItemId, string CommunityCode, string OrdererKind, DateTimeOffset At);

/// <summary>The community dispatched the order to a member unit or party member (派单).</summary>
public record ServiceOrderDispatched(Guid OrderId, string CommunityCode, string TakerKind, Guid? TakerId, DateTimeOffset At);

/// <summary>The member unit or party member accepted the order (接单).</summary>
public record ServiceOrderTaken(Guid OrderId, string CommunityCode, string TakerKind, Guid? TakerId, DateTimeOffset At);

/// <summary>
/// The order was done; its result is on the community's public list (晒单). Points as the menu item offers: the volunteer
/// service credits them to the taker when the taker is a registered volunteer, once per order.
/// <paramref name="ItemKind"/> is one of <see cref="ServiceItemKinds"/>; null from publishers that predate it (read as a service).
/// </summary>
public record ServiceOrderCompleted(Guid OrderId, Guid MenuItemId, string CommunityCode, string TakerKind, Guid? TakerId, int? Points, DateTimeOffset At,
    string? ItemKind = null);
