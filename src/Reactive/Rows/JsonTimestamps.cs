using System.Buffers.Text;
using System.Globalization;
using System.Text.Json;

namespace Sluice.Reactive.Rows;

/// <summary>
/// Event-time values in JSON: read from an ISO-8601 string or epoch milliseconds, written as
/// ISO-8601 UTC with millisecond precision (<c>2024-05-01T12:00:00.250Z</c>), the form ingest stores.
/// </summary>
public static class JsonTimestamps
{
    // Beyond year 9999 DateTime cannot represent the instant.
    private const long MaxEpochMilliseconds = 253_402_300_799_999;

    private const string Format = "yyyy-MM-dd'T'HH:mm:ss.fff'Z'";

    /// <summary>Reads the current token as a UTC instant; false when it is neither an ISO-8601 string nor epoch milliseconds.</summary>
    public static bool TryRead(ref Utf8JsonReader reader, out DateTime value)
    {
        value = default;
        switch (reader.TokenType)
        {
            case JsonTokenType.Number:
                if (reader.TryGetInt64(out var millis))
                {
                    return TryFromEpochMilliseconds(millis, out value);
                }
                return reader.TryGetDouble(out var fractional) && double.IsFinite(fractional)
                    && fractional is >= 0 and <= MaxEpochMilliseconds
                    && TryFromEpochMilliseconds((long)fractional, out value);
            case JsonTokenType.String:
                if (!reader.ValueIsEscaped && !reader.HasValueSequence
                    && Utf8Parser.TryParse(reader.ValueSpan, out DateTimeOffset fast, out var consumed, 'O')
                    && consumed == reader.ValueSpan.Length)
                {
                    value = fast.UtcDateTime;
                    return true;
                }
                return TryParse(reader.GetString(), out value);
            default:
                return false;
        }
    }

    /// <summary>Parses ISO-8601 text (no offset means UTC) or a string of epoch milliseconds.</summary>
    public static bool TryParse(string? text, out DateTime value)
    {
        if (DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var parsed))
        {
            value = parsed.UtcDateTime;
            return true;
        }
        if (long.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var millis))
        {
            return TryFromEpochMilliseconds(millis, out value);
        }
        value = default;
        return false;
    }

    public static bool TryFromEpochMilliseconds(long millis, out DateTime value)
    {
        if (millis is < 0 or > MaxEpochMilliseconds)
        {
            value = default;
            return false;
        }
        value = DateTime.UnixEpoch.AddMilliseconds(millis);
        return true;
    }

    /// <summary>Writes <paramref name="value"/> as an ISO-8601 UTC string value; Unspecified kinds are taken as UTC.</summary>
    public static void WriteValue(Utf8JsonWriter writer, DateTime value)
    {
        var utc = value.Kind == DateTimeKind.Local ? value.ToUniversalTime() : value;
        Span<byte> buffer = stackalloc byte[32];
        if (utc.TryFormat(buffer, out var written, Format, CultureInfo.InvariantCulture))
        {
            writer.WriteStringValue(buffer[..written]);
        }
        else
        {
            writer.WriteStringValue(utc.ToString(Format, CultureInfo.InvariantCulture));
        }
    }

    public static string ToText(DateTime value) =>
        (value.Kind == DateTimeKind.Local ? value.ToUniversalTime() : value).ToString(Format, CultureInfo.InvariantCulture);
}
