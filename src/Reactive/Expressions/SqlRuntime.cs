using System.Globalization;
using System.Text.Json;

namespace Sluice.Reactive.Expressions;

/// <summary>
/// The only methods generated expression code calls (besides <see cref="DynamicOps"/>): typed SQL semantics
/// with NULL propagation. User text selects a <c>ScalarFunction</c>, never a .NET method.
/// </summary>
internal static class SqlRuntime
{
    public static bool? And(bool? a, bool? b) => a == false || b == false ? false : a is null || b is null ? null : true;

    public static int? CompareText(string? a, string? b) => a is null || b is null ? null : string.CompareOrdinal(a, b);

    public static int? CompareBoolean(bool? a, bool? b) => a is null || b is null ? null : a.Value.CompareTo(b.Value);

    public static double? DivideDouble(double? a, double? b)
    {
        if (a is null || b is null) return null;
        if (b.Value == 0) throw new DivideByZeroException();
        return a.Value / b.Value;
    }

    public static double? ModuloDouble(double? a, double? b)
    {
        if (a is null || b is null) return null;
        if (b.Value == 0) throw new DivideByZeroException();
        return a.Value % b.Value;
    }

    public static DateTime? AddInterval(DateTime? t, TimeSpan? s) => t is null || s is null ? null : t.Value + s.Value;

    public static DateTime? SubtractInterval(DateTime? t, TimeSpan? s) => t is null || s is null ? null : t.Value - s.Value;

    public static TimeSpan? SubtractTimestamps(DateTime? a, DateTime? b) => a is null || b is null ? null : a.Value - b.Value;

    public static TimeSpan? AddIntervals(TimeSpan? a, TimeSpan? b) => a is null || b is null ? null : a.Value + b.Value;

    public static TimeSpan? SubtractIntervals(TimeSpan? a, TimeSpan? b) => a is null || b is null ? null : a.Value - b.Value;

    public static TimeSpan? NegateInterval(TimeSpan? a) => a is null ? null : -a.Value;

    public static string? Concat(string? a, string? b) => a is null || b is null ? null : string.Concat(a, b);

    /// <summary>CONCAT(...): NULL arguments are skipped, as in PostgreSQL.</summary>
    public static string ConcatAll(string?[] parts) => string.Concat(parts);

    public static bool? InSet<T>(T? value, HashSet<T> set, bool listHasNull) where T : struct
    {
        if (value is null) return null;
        if (set.Contains(value.Value)) return true;
        return listHasNull ? null : false;
    }

    public static bool? InTextSet(string? value, HashSet<string> set, bool listHasNull)
    {
        if (value is null) return null;
        if (set.Contains(value)) return true;
        return listHasNull ? null : false;
    }

    public static bool? InObjectList(object? value, object?[] items)
    {
        if (value is null) return null;
        var sawNull = false;
        foreach (var item in items)
        {
            var c = DynamicOps.Compare(value, item);
            if (c == 0) return true;
            if (c is null) sawNull = true;
        }
        return sawNull ? null : false;
    }

    public static bool? Like(string? text, LikePattern pattern) => text is null ? null : pattern.IsMatch(text);

    public static bool? LikeDynamic(string? text, string? pattern) => text is null || pattern is null ? null : new LikePattern(pattern).IsMatch(text);

    public static long? Abs(long? a) => a is null ? null : checked(Math.Abs(a.Value));

    public static double? Abs(double? a) => a is null ? null : Math.Abs(a.Value);

    public static decimal? Abs(decimal? a) => a is null ? null : Math.Abs(a.Value);

    public static long? Floor(long? a) => a;

    public static double? Floor(double? a) => a is null ? null : Math.Floor(a.Value);

    public static decimal? Floor(decimal? a) => a is null ? null : Math.Floor(a.Value);

    public static long? Ceil(long? a) => a;

    public static double? Ceil(double? a) => a is null ? null : Math.Ceiling(a.Value);

    public static decimal? Ceil(decimal? a) => a is null ? null : Math.Ceiling(a.Value);

    public static long? Round(long? a, long? digits)
    {
        if (a is null || digits is null) return null;
        if (digits >= 0) return a;
        var factor = (decimal)Math.Pow(10, Math.Min(-digits.Value, 18));
        return decimal.ToInt64(Math.Round(a.Value / factor, MidpointRounding.AwayFromZero) * factor);
    }

    public static double? Round(double? a, long? digits)
    {
        if (a is null || digits is null) return null;
        return Math.Round(a.Value, (int)Math.Clamp(digits.Value, 0, 15), MidpointRounding.AwayFromZero);
    }

    public static decimal? Round(decimal? a, long? digits)
    {
        if (a is null || digits is null) return null;
        return Math.Round(a.Value, (int)Math.Clamp(digits.Value, 0, 28), MidpointRounding.AwayFromZero);
    }

    // The last LOWER() on this thread: a query often lowers the same value several times per row (Nexmark q21's
    // CASE WHEN LOWER(channel) = … four times, then its WHERE), and a string is immutable, so the same instance
    // lowers to the same text. Pipelines run on one pushing thread, so this needs no lock.
    [ThreadStatic]
    private static string? lowerSource;

    [ThreadStatic]
    private static string? lowerResult;

    public static string? Lower(string? s)
    {
        if (s is null) return null;
        if (ReferenceEquals(s, lowerSource)) return lowerResult;
        var lowered = s.ToLowerInvariant();
        lowerSource = s;
        lowerResult = lowered;
        return lowered;
    }

    public static string? Upper(string? s) => s?.ToUpperInvariant();

    public static long? Length(string? s) => s is null ? null : new StringInfo(s).LengthInTextElements;

    /// <summary>SUBSTRING with SQL's 1-based start; a start before 1 shortens the length accordingly (PostgreSQL rules).</summary>
    public static string? Substring(string? s, long? start, long? length)
    {
        if (s is null || start is null) return null;
        long begin = start.Value, end;
        if (length is null) end = long.MaxValue;
        else
        {
            if (length.Value < 0) throw new SqlEvaluationException("SUBSTRING length must not be negative");
            end = begin + length.Value;
        }
        var from = Math.Max(begin, 1) - 1;
        var to = Math.Min(end - 1, s.Length);
        if (from >= s.Length || to <= from) return "";
        return s.Substring((int)from, (int)(to - from));
    }

    public static string? Substring2(string? s, long? start) => s is null || start is null ? null : Substring(s, start, null);

    public static DateTime? DateTrunc(string unit, DateTime? value)
    {
        if (value is null) return null;
        var t = value.Value;
        return unit switch
        {
            "millisecond" => new DateTime(t.Ticks - (t.Ticks % TimeSpan.TicksPerMillisecond), DateTimeKind.Utc),
            "second" => new DateTime(t.Ticks - (t.Ticks % TimeSpan.TicksPerSecond), DateTimeKind.Utc),
            "minute" => new DateTime(t.Ticks - (t.Ticks % TimeSpan.TicksPerMinute), DateTimeKind.Utc),
            "hour" => new DateTime(t.Ticks - (t.Ticks % TimeSpan.TicksPerHour), DateTimeKind.Utc),
            "day" => new DateTime(t.Year, t.Month, t.Day, 0, 0, 0, DateTimeKind.Utc),
            "week" => new DateTime(t.Year, t.Month, t.Day, 0, 0, 0, DateTimeKind.Utc).AddDays(-(((int)t.DayOfWeek + 6) % 7)),
            "month" => new DateTime(t.Year, t.Month, 1, 0, 0, 0, DateTimeKind.Utc),
            "quarter" => new DateTime(t.Year, ((t.Month - 1) / 3 * 3) + 1, 1, 0, 0, 0, DateTimeKind.Utc),
            _ => new DateTime(t.Year, 1, 1, 0, 0, 0, DateTimeKind.Utc),
        };
    }

    public static long? Extract(string field, DateTime? value)
    {
        if (value is null) return null;
        var t = value.Value;
        return field switch
        {
            "year" => t.Year,
            "quarter" => ((t.Month - 1) / 3) + 1,
            "month" => t.Month,
            "week" => ISOWeek.GetWeekOfYear(t),
            "day" => t.Day,
            "dow" => (long)t.DayOfWeek,
            "doy" => t.DayOfYear,
            "hour" => t.Hour,
            "minute" => t.Minute,
            "second" => t.Second,
            _ => (t.Second * 1000L) + t.Millisecond,
        };
    }

    public static double? ExtractEpoch(string field, DateTime? value) => value is null ? null : (value.Value - DateTime.UnixEpoch).Ticks / (double)TimeSpan.TicksPerSecond;

    public static JsonElement? JsonGet(JsonElement? value, string key)
    {
        if (value is not { } json) return null;
        if (json.ValueKind == JsonValueKind.Object && json.TryGetProperty(key, out var property)) return property;
        if (json.ValueKind == JsonValueKind.Array && int.TryParse(key, NumberStyles.None, CultureInfo.InvariantCulture, out var index) && index < json.GetArrayLength())
            return json[index];
        return null;
    }

    public static string? JsonGetText(JsonElement? value, string key) => JsonGet(value, key) is { } element ? DynamicOps.ToText(element) : null;

    public static string? JsonGetTextDynamic(object? value, string key) => DynamicOps.JsonGet(value, key) is { } element ? DynamicOps.ToText(element) : null;
}
