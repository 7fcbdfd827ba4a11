namespace GovPlatform.Contracts;

/// <summary>Goods reserved in the points supermarket were handed over; the reserved points are now spent.</summary>
public record RedemptionPickedUp(Guid RedemptionId, Guid VolunteerId, long Points, string ItemCode, int Quantity, string By, DateTimeOffset At);
