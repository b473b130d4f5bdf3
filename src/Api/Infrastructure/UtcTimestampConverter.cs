using System.Text.Json;
using System.Text.Json.Serialization;

namespace Sluice.Api.Infrastructure;

/// <summary>
/// Writes every <see cref="DateTimeOffset"/> of the API in UTC with a <c>Z</c> suffix, the form event payloads and
/// query rows use, so one response never mixes <c>…Z</c> and <c>…+00:00</c>. Reads any ISO-8601 offset.
/// </summary>
public sealed class UtcTimestampConverter : JsonConverter<DateTimeOffset>
{
    public override DateTimeOffset Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
        reader.GetDateTimeOffset();

    public override void Write(Utf8JsonWriter writer, DateTimeOffset value, JsonSerializerOptions options) =>
        writer.WriteStringValue(value.UtcDateTime);
}
