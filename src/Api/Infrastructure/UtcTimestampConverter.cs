using System.Text.Json;
using System.Text.Json.Serialization;
using Sluice.Data.Ingest;

namespace Sluice.Api.Infrastructure;

/// <summary>
/// Every <see cref="DateTimeOffset"/> of the API in the one form events use (<see cref="EventTimestamps"/>): ISO-8601
/// UTC with milliseconds and a <c>Z</c>, so a response never mixes <c>…Z</c> and <c>…+00:00</c> or two precisions.
/// Reads what event ingest reads: ISO-8601 (no offset means UTC) or epoch milliseconds.
/// </summary>
public sealed class UtcTimestampConverter : JsonConverter<DateTimeOffset>
{
    public override DateTimeOffset Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
        EventTimestamps.TryRead(ref reader, out var timestamp)
            ? timestamp
            : throw new JsonException("expected a timestamp: an ISO-8601 string or epoch milliseconds");

    public override void Write(Utf8JsonWriter writer, DateTimeOffset value, JsonSerializerOptions options) =>
        EventTimestamps.WriteValue(writer, value.UtcDateTime);
}
