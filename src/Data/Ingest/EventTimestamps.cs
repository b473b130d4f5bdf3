using System.Globalization;
using System.Text.Json;

namespace Sluice.Data.Ingest;

/// <summary>Reads event time from a JSON value: an ISO-8601 string or epoch milliseconds.</summary>
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
