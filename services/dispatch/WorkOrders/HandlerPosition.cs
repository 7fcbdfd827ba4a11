namespace GovPlatform.Dispatch.WorkOrders;

/// <summary>Where the handler stood, from their phone's location.</summary>
/// <param name="AccuracyMetres">The phone's own estimate of its error, when it gives one.</param>
public sealed record HandlerPosition(double Latitude, double Longitude, double? AccuracyMetres = null);
