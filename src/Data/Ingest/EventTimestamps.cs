using System.Globalization;
using System.Text.Json;

namespace Sluice.Data.Ingest;

/// <summary>
/// Event-time values in JSON, the one owner of their forms for ingest and the query engine alike: read from an
/// ISO-8601 string (no offset means UTC) or epoch milliseconds, written as ISO-8601 UTC with millisecond precision
/// (<c>2024-05-01T12:00:00.250Z</c>), the form ingest stores and query rows are written in.
/// </summary>
public static class EventTimestamps
{
    // Beyond year 9999 DateTimeOffset cannot represent the instant.
    private const long MaxEpochMilliseconds = 253_402_300_799_999;

    public static bool TryRead(ref Utf8JsonReader reader, out DateTimeOffset timestamp)
    {
        timestamp = default;
        switch (reader.TokenType)
        {
            case JsonTokenType.Number:
                if (reader.TryGetInt64(out var millis) || (reader.TryGetDouble(out var fractional) && TryTruncate(fractional, out millis)))
                {
                    return TryFromEpochMilliseconds(millis, out timestamp);
                }
                return false;
            case JsonTokenType.String:
                if (!reader.ValueIsEscaped && !reader.HasValueSequence && Iso8601.TryParse(reader.ValueSpan, out timestamp))
                {
                    return true;
                }
                return TryParseText(reader.GetString(), out timestamp);
            default:
                return false;
        }
    }

    /// <summary>As <see cref="TryRead(ref Utf8JsonReader, out DateTimeOffset)"/>, as a UTC <see cref="DateTime"/> (the query engine's timestamp).</summary>
    public static bool TryReadUtc(ref Utf8JsonReader reader, out DateTime value)
    {
        var ok = TryRead(ref reader, out var timestamp);
        value = ok ? timestamp.UtcDateTime : default;
        return ok;
    }

    /// <summary>Writes <paramref name="value"/> as an ISO-8601 UTC string value with milliseconds; Unspecified kinds are taken as UTC.</summary>
    public static void WriteValue(Utf8JsonWriter writer, DateTime value)
    {
        ArgumentNullException.ThrowIfNull(writer);
        Span<byte> text = stackalloc byte[Iso8601.MillisecondsLength];
        writer.WriteStringValue(text[..Iso8601.FormatMilliseconds(value.Kind == DateTimeKind.Local ? value.ToUniversalTime() : value, text)]);
    }

    public static bool TryParseText(string? text, out DateTimeOffset timestamp)
    {
        if (DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out timestamp))
        {
            return true;
        }
        if (long.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var millis))
        {
            return TryFromEpochMilliseconds(millis, out timestamp);
        }
        return false;
    }

    public static bool TryFromEpochMilliseconds(long millis, out DateTimeOffset timestamp)
    {
        if (millis is < 0 or > MaxEpochMilliseconds)
        {
            timestamp = default;
            return false;
        }
        timestamp = DateTimeOffset.FromUnixTimeMilliseconds(millis);
        return true;
    }

    private static bool TryTruncate(double value, out long millis)
    {
        if (double.IsFinite(value) && value is >= 0 and <= MaxEpochMilliseconds)
        {
            millis = (long)value;
            return true;
        }
        millis = 0;
        return false;
    }
}
