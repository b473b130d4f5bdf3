using System.Globalization;
using System.Text;

namespace Sluice.Reactive.Expressions;

/// <summary>
/// PostgreSQL's <c>to_char(timestamp, pattern)</c>, pattern parsed once: YYYY YYY YY Y, MM, DD, DDD, D, HH24 HH12 HH,
/// MI, SS, MS, US, AM/PM, Mon/MON/mon, Month/MONTH/month, Dy/DY/dy, Day/DAY/day, Q, WW, IW; <c>FM</c> turns padding
/// off for the next field; text in double quotes is copied; anything else is copied as is.
/// A call site formats many rows of the same day (or hour, …): the last result is kept with the slot of time it
/// covers, the finest unit the pattern shows, so <c>to_char(date_time, 'YYYY-MM-DD')</c> builds one string per day.
/// </summary>
internal sealed class ToCharFormat
{
    private static readonly string[] Fields =
    [
        "HH24", "HH12", "YYYY", "MONTH", "Month", "month", "DAY", "Day", "day", "YYY", "DDD", "MON", "Mon", "mon", "DY", "Dy", "dy",
        "AM", "am", "PM", "pm", "HH", "MI", "SS", "MS", "US", "YY", "MM", "DD", "IW", "WW", "Y", "D", "Q",
        // Numeric fields are case-insensitive in PostgreSQL ('yyyy-mm-dd', and Nexmark q16's 'HH:mm', which is hour:month).
        "hh24", "hh12", "yyyy", "yyy", "ddd", "hh", "mi", "ss", "ms", "us", "yy", "mm", "dd", "iw", "ww", "y", "d", "q",
    ];

    private readonly List<(string? Field, string Text, bool FillMode)> parts = [];

    /// <summary>Ticks of the finest unit the pattern shows: two instants in the same slot format alike.</summary>
    private readonly long resolution = TimeSpan.TicksPerDay;

    /// <summary>The last result, replaced whole (compiled delegates, and so this format, are shared across threads).</summary>
    private Formatted? last;

    private sealed record Formatted(long Slot, string Text);

    public ToCharFormat(string pattern)
    {
        var literal = new StringBuilder();
        var fill = false;
        var i = 0;
        while (i < pattern.Length)
        {
            if (pattern[i] == '"')
            {
                var end = pattern.IndexOf('"', i + 1);
                if (end < 0) end = pattern.Length;
                literal.Append(pattern, i + 1, end - i - 1);
                i = end + 1;
                continue;
            }
            if (string.CompareOrdinal(pattern, i, "FM", 0, 2) == 0 || string.CompareOrdinal(pattern, i, "fm", 0, 2) == 0)
            {
                fill = true;
                i += 2;
                continue;
            }
            var field = Array.Find(Fields, f => string.CompareOrdinal(pattern, i, f, 0, f.Length) == 0);
            if (field is null)
            {
                literal.Append(pattern[i]);
                i++;
                continue;
            }
            if (literal.Length > 0)
            {
                parts.Add((null, literal.ToString(), false));
                literal.Clear();
            }
            parts.Add((field.ToUpperInvariant(), field, fill));
            resolution = Math.Min(resolution, Resolution(field.ToUpperInvariant()));
            fill = false;
            i += field.Length;
        }
        if (literal.Length > 0) parts.Add((null, literal.ToString(), false));
    }

    private static long Resolution(string field) => field switch
    {
        "HH24" or "HH12" or "HH" or "AM" or "PM" => TimeSpan.TicksPerHour,
        "MI" => TimeSpan.TicksPerMinute,
        "SS" => TimeSpan.TicksPerSecond,
        "MS" => TimeSpan.TicksPerMillisecond,
        "US" => TimeSpan.TicksPerMicrosecond,
        _ => TimeSpan.TicksPerDay,
    };

    public string Format(DateTime t)
    {
        var slot = t.Ticks / resolution;
        if (Volatile.Read(ref last) is { } known && known.Slot == slot) return known.Text;
        var sb = new StringBuilder(16);
        foreach (var (field, text, fill) in parts)
        {
            if (field is null) sb.Append(text);
            else AppendField(sb, field, text, fill, t);
        }
        var result = sb.ToString();
        Volatile.Write(ref last, new Formatted(slot, result));
        return result;
    }

    private static void Number(StringBuilder sb, long value, int width, bool fill)
    {
        if (!fill)
        {
            for (var digits = Digits(value); digits < width; digits++) sb.Append('0');
        }
        sb.Append(value);
    }

    private static int Digits(long value)
    {
        var digits = 1;
        while ((value /= 10) > 0) digits++;
        return digits;
    }

    private static void Name(StringBuilder sb, string name, string style, int width, bool fill)
    {
        var cased = style.All(char.IsUpper) ? name.ToUpperInvariant() : style.All(char.IsLower) ? name.ToLowerInvariant() : name;
        sb.Append(cased);
        if (!fill) sb.Append(' ', Math.Max(0, width - cased.Length));
    }

    /// <param name="sb">Where the text goes.</param>
    /// <param name="field">The field in upper case.</param>
    /// <param name="written">The field as the pattern writes it (its case styles names and am/pm).</param>
    /// <param name="fill">FM: no padding.</param>
    /// <param name="t">The instant.</param>
    private static void AppendField(StringBuilder sb, string field, string written, bool fill, DateTime t)
    {
        var names = CultureInfo.InvariantCulture.DateTimeFormat;
        switch (field)
        {
            case "YYYY": Number(sb, t.Year, 4, fill); break;
            case "YYY": Number(sb, t.Year % 1000, 3, fill); break;
            case "YY": Number(sb, t.Year % 100, 2, fill); break;
            case "Y": Number(sb, t.Year % 10, 1, fill); break;
            case "MM": Number(sb, t.Month, 2, fill); break;
            case "DD": Number(sb, t.Day, 2, fill); break;
            case "DDD": Number(sb, t.DayOfYear, 3, fill); break;
            case "D": Number(sb, (int)t.DayOfWeek + 1, 1, fill); break;
            case "HH24": Number(sb, t.Hour, 2, fill); break;
            case "HH12" or "HH": Number(sb, t.Hour % 12 == 0 ? 12 : t.Hour % 12, 2, fill); break;
            case "MI": Number(sb, t.Minute, 2, fill); break;
            case "SS": Number(sb, t.Second, 2, fill); break;
            case "MS": Number(sb, t.Millisecond, 3, fill); break;
            case "US": Number(sb, (t.Ticks % TimeSpan.TicksPerSecond) / 10, 6, fill); break;
            case "AM" or "PM": sb.Append(char.IsLower(written[0]) ? (t.Hour < 12 ? "am" : "pm") : (t.Hour < 12 ? "AM" : "PM")); break;
            case "Q": Number(sb, ((t.Month - 1) / 3) + 1, 1, fill); break;
            case "IW": Number(sb, ISOWeek.GetWeekOfYear(t), 2, fill); break;
            case "WW": Number(sb, ((t.DayOfYear - 1) / 7) + 1, 2, fill); break;
            case "MONTH": Name(sb, names.GetMonthName(t.Month), written, 9, fill); break;
            case "MON": Name(sb, names.GetAbbreviatedMonthName(t.Month), written, 3, fill); break;
            case "DAY": Name(sb, names.GetDayName(t.DayOfWeek), written, 9, fill); break;
            default: Name(sb, names.GetAbbreviatedDayName(t.DayOfWeek), written, 3, fill); break;
        }
    }
}
