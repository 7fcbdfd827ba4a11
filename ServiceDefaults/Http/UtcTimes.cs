using System.Text.Json;
using System.Text.Json.Serialization;

namespace GovPlatform.ServiceDefaults.Http;

/// <summary>
/// Times in request bodies are taken as the instant they name, in UTC. A browser in China sends
/// <c>2026-12-08T09:00:00+08:00</c>; PostgreSQL's driver writes only offset 0 to <c>timestamptz</c>, so such a
/// time reached the database as an exception (a 500) in every handler that did not convert it itself. Converted
/// once here at the edge, every handler sees UTC; what is not a time at all stays a 400 naming the field.
/// </summary>
public sealed class UtcDateTimeOffsetConverter : JsonConverter<DateTimeOffset>
{
    public override DateTimeOffset Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
        reader.TokenType == JsonTokenType.String && reader.TryGetDateTimeOffset(out var value)
            ? value.ToUniversalTime()
            : throw new JsonException("Not a time: give an ISO 8601 date and time with its offset, e.g. 2026-12-08T09:00:00+08:00.");

    public override void Write(Utf8JsonWriter writer, DateTimeOffset value, JsonSerializerOptions options) => writer.WriteStringValue(value);
}
