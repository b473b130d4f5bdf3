using System.Globalization;
using System.Text;

namespace Sluice.Reactive.Expressions;

/// <summary>
/// PostgreSQL's <c>to_char(timestamp, pattern)</c>, pattern parsed once: YYYY YYY YY Y, MM, DD, DDD, D, HH24 HH12 HH,
/// MI, SS, MS, US, AM/PM, Mon/MON/mon, Month/MONTH/month, Dy/DY/dy, Day/DAY/day, Q, WW, IW; <c>FM</c> turns padding
/// off for the next field; text in double quotes is copied; anything else is copied as is.
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
            parts.Add((field, "", fill));
            fill = false;
            i += field.Length;
        }
        if (literal.Length > 0) parts.Add((null, literal.ToString(), false));
    }

    public string Format(DateTime t)
    {
        var sb = new StringBuilder();
        foreach (var (field, text, fill) in parts)
        {
            if (field is null)
            {
                sb.Append(text);
                continue;
            }
            string Num(long value, int width) => fill ? value.ToString(CultureInfo.InvariantCulture) : value.ToString(CultureInfo.InvariantCulture).PadLeft(width, '0');
            string Name(string name, string style, int width)
            {
                var cased = style switch
                {
                    _ when style.All(char.IsUpper) => name.ToUpperInvariant(),
                    _ when style.All(char.IsLower) => name.ToLowerInvariant(),
                    _ => name,
                };
                return fill ? cased : cased.PadRight(width);
            }
            var hour12 = t.Hour % 12 == 0 ? 12 : t.Hour % 12;
            sb.Append(field.ToUpperInvariant() switch
            {
                "YYYY" => Num(t.Year, 4),
                "YYY" => Num(t.Year % 1000, 3),
                "YY" => Num(t.Year % 100, 2),
                "Y" => Num(t.Year % 10, 1),
                "MM" => Num(t.Month, 2),
                "DD" => Num(t.Day, 2),
                "DDD" => Num(t.DayOfYear, 3),
                "D" => Num((int)t.DayOfWeek + 1, 1),
                "HH24" => Num(t.Hour, 2),
                "HH12" or "HH" => Num(hour12, 2),
                "MI" => Num(t.Minute, 2),
                "SS" => Num(t.Second, 2),
                "MS" => Num(t.Millisecond, 3),
                "US" => Num((t.Ticks % TimeSpan.TicksPerSecond) / 10, 6),
                "AM" or "PM" when char.IsLower(field[0]) => t.Hour < 12 ? "am" : "pm",
                "AM" or "PM" => t.Hour < 12 ? "AM" : "PM",
                "Q" => Num(((t.Month - 1) / 3) + 1, 1),
                "IW" => Num(ISOWeek.GetWeekOfYear(t), 2),
                "WW" => Num(((t.DayOfYear - 1) / 7) + 1, 2),
                "MONTH" => Name(CultureInfo.InvariantCulture.DateTimeFormat.GetMonthName(t.Month), field, 9),
                "MON" => Name(CultureInfo.InvariantCulture.DateTimeFormat.GetAbbreviatedMonthName(t.Month), field, 3),
                "DAY" => Name(CultureInfo.InvariantCulture.DateTimeFormat.GetDayName(t.DayOfWeek), field, 9),
                _ => Name(CultureInfo.InvariantCulture.DateTimeFormat.GetAbbreviatedDayName(t.DayOfWeek), field, 3),
            });
        }
        return sb.ToString();
    }
}
