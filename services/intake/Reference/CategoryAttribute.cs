namespace GovPlatform.Intake.Reference;

/// <summary>One of the values a list question offers: its key, as stored and sent, and its name, as shown.</summary>
public sealed record AttributeValue(string Key, string Name);

/// <summary>An extra question a category asks, in Open311's terms.</summary>
/// <param name="Datatype">string, number, datetime, text, singlevaluelist or multivaluelist.</param>
public sealed record CategoryAttribute(string Code, string Datatype, bool Required, string Description, int Order = 0,
    IReadOnlyList<AttributeValue>? Values = null);
