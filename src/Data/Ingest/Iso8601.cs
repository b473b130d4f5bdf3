namespace Sluice.Data.Ingest;

/// <summary>
/// Fast paths for the timestamp shapes producers send most: <c>yyyy-MM-ddTHH:mm:ss[.f…][Z|±hh:mm]</c>.
/// The general parser allocates a string and walks culture tables; on the ingest hot path that was
/// the largest single cost after JSON reading (see docs/benchmarks.md). Anything else falls back to it.
/// </summary>
public static class Iso8601
{
    public static bool TryParse(ReadOnlySpan<byte> text, out DateTimeOffset value)
    {
        value = default;
        if (text.Length < 19 || text[4] != '-' || text[7] != '-' || (text[10] != 'T' && text[10] != ' ') || text[13] != ':' || text[16] != ':')
        {
            return false;
        }
        if (!Digits(text, 0, 4, out var year) || !Digits(text, 5, 2, out var month) || !Digits(text, 8, 2, out var day)
            || !Digits(text, 11, 2, out var hour) || !Digits(text, 14, 2, out var minute) || !Digits(text, 17, 2, out var second))
        {
            return false;
        }
        var index = 19;
        long fractionTicks = 0;
        if (index < text.Length && text[index] == '.')
        {
            index++;
            var scale = TimeSpan.TicksPerSecond;
            var start = index;
            while (index < text.Length && (uint)(text[index] - '0') <= 9)
            {
                if (index - start < 7)
                {
                    scale /= 10;
                    fractionTicks += (text[index] - '0') * scale;
                }
                index++;
            }
            if (index == start)
            {
                return false;
            }
        }
        var offset = TimeSpan.Zero;
        if (index < text.Length)
        {
            var sign = text[index];
            if (sign == 'Z' && index == text.Length - 1)
            {
                index++;
            }
            else if ((sign == '+' || sign == '-') && text.Length - index == 6 && text[index + 3] == ':'
                     && Digits(text, index + 1, 2, out var offsetHours) && Digits(text, index + 4, 2, out var offsetMinutes)
                     && offsetHours <= 14 && offsetMinutes < 60)
            {
                offset = new TimeSpan(offsetHours, offsetMinutes, 0);
                if (sign == '-')
                {
                    offset = -offset;
                }
                index += 6;
            }
            else
            {
                return false;
            }
        }
        if (month is < 1 or > 12 || day < 1 || day > DateTime.DaysInMonth(Math.Max(year, 1), month) || year < 1
            || hour > 23 || minute > 59 || second > 59)
        {
            return false;
        }
        var local = new DateTime(year, month, day, hour, minute, second, DateTimeKind.Unspecified).AddTicks(fractionTicks);
        var utcTicks = local.Ticks - offset.Ticks;
        if (utcTicks < DateTime.MinValue.Ticks || utcTicks > DateTime.MaxValue.Ticks)
        {
            return false;
        }
        value = new DateTimeOffset(utcTicks, TimeSpan.Zero);
        return true;
    }

    /// <summary>The length of <see cref="FormatMilliseconds"/>' text.</summary>
    public const int MillisecondsLength = 24;

    /// <summary>
    /// Whether <paramref name="text"/>, which <see cref="TryParse"/> accepted, is what <see cref="FormatMilliseconds"/>
    /// writes for the instant it names: 24 bytes with a <c>T</c>, three fraction digits and <c>Z</c>. The parse has checked
    /// every digit and range, and a UTC instant's fields are the text's, so the separators are all that can differ.
    /// </summary>
    public static bool IsMillisecondsForm(ReadOnlySpan<byte> text) =>
        text.Length == MillisecondsLength && text[10] == 'T' && text[19] == '.' && text[23] == 'Z';

    /// <summary>Writes <c>yyyy-MM-ddTHH:mm:ss.fffZ</c> (24 bytes).</summary>
    public static int FormatMilliseconds(DateTime utc, Span<byte> destination)
    {
        // The date from one calendar computation, and the time from the millisecond of the day: Year, Month, Day, Hour…
        // each compute theirs from the ticks again (every output timestamp of every query row is written here).
        utc.Deconstruct(out int year, out int month, out int day);
        var millisecondOfDay = (int)(utc.Ticks % TimeSpan.TicksPerDay / TimeSpan.TicksPerMillisecond);
        Write(destination, 0, year, 4);
        destination[4] = (byte)'-';
        Write(destination, 5, month, 2);
        destination[7] = (byte)'-';
        Write(destination, 8, day, 2);
        destination[10] = (byte)'T';
        Write(destination, 11, millisecondOfDay / 3_600_000, 2);
        destination[13] = (byte)':';
        Write(destination, 14, millisecondOfDay / 60_000 % 60, 2);
        destination[16] = (byte)':';
        Write(destination, 17, millisecondOfDay / 1_000 % 60, 2);
        destination[19] = (byte)'.';
        Write(destination, 20, millisecondOfDay % 1_000, 3);
        destination[23] = (byte)'Z';
        return 24;
    }

    private static void Write(Span<byte> destination, int at, int value, int width)
    {
        for (var i = at + width - 1; i >= at; i--)
        {
            destination[i] = (byte)('0' + value % 10);
            value /= 10;
        }
    }

    private static bool Digits(ReadOnlySpan<byte> text, int at, int count, out int value)
    {
        value = 0;
        for (var i = at; i < at + count; i++)
        {
            var digit = (uint)(text[i] - '0');
            if (digit > 9)
            {
                return false;
            }
            value = value * 10 + (int)digit;
        }
        return true;
    }
}
