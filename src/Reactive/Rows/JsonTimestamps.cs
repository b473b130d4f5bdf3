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
                if (!reader.ValueIsEscaped && !reader.HasValueSequence)
                {
                    if (TryParseUtc(reader.ValueSpan, out value))
                    {
                        return true;
                    }
                    if (Utf8Parser.TryParse(reader.ValueSpan, out DateTimeOffset fast, out var consumed, 'O') && consumed == reader.ValueSpan.Length)
                    {
                        value = fast.UtcDateTime;
                        return true;
                    }
                }
                return TryParse(reader.GetString(), out value);
            default:
                return false;
        }
    }

    /// <summary>
    /// The form ingest stores and rows are written in, <c>yyyy-MM-ddTHH:mm:ss[.f…]Z</c> with up to 7 fraction
    /// digits, parsed without allocating; anything else is left to the general parsers.
    /// </summary>
    public static bool TryParseUtc(ReadOnlySpan<byte> text, out DateTime value)
    {
        value = default;
        if (text.Length < 20 || text[^1] != (byte)'Z' || text[4] != (byte)'-' || text[7] != (byte)'-' || text[10] != (byte)'T'
            || text[13] != (byte)':' || text[16] != (byte)':')
        {
            return false;
        }
        if (!TryDigits(text.Slice(0, 4), out var year) || !TryDigits(text.Slice(5, 2), out var month) || !TryDigits(text.Slice(8, 2), out var day)
            || !TryDigits(text.Slice(11, 2), out var hour) || !TryDigits(text.Slice(14, 2), out var minute) || !TryDigits(text.Slice(17, 2), out var second))
        {
            return false;
        }
        long fractionTicks = 0;
        if (text.Length > 20)
        {
            var fraction = text[20..^1];
            if (text[19] != (byte)'.' || fraction.Length is < 1 or > 7 || !TryDigits(fraction, out var digits))
            {
                return false;
            }
            fractionTicks = digits;
            for (var i = fraction.Length; i < 7; i++)
            {
                fractionTicks *= 10;
            }
        }
        else if (text.Length != 20)
        {
            return false;
        }
        if (month is < 1 or > 12 || day < 1 || day > DateTime.DaysInMonth(Math.Max(1, year), month) || year < 1
            || hour > 23 || minute > 59 || second > 59)
        {
            return false;
        }
        value = new DateTime(year, month, day, hour, minute, second, DateTimeKind.Utc).AddTicks(fractionTicks);
        return true;
    }

    private static bool TryDigits(ReadOnlySpan<byte> digits, out int number)
    {
        number = 0;
        foreach (var b in digits)
        {
            var digit = b - (byte)'0';
            if ((uint)digit > 9)
            {
                return false;
            }
            number = number * 10 + digit;
        }
        return true;
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
