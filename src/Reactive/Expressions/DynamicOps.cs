using System.Globalization;
using System.Text.Json;

namespace Sluice.Reactive.Expressions;

/// <summary>
/// Operations on values whose type is known only at run time (columns of schemaless streams), with the same
/// rules as the typed ones: bigint op bigint is checked bigint, decimal wins over bigint, double over both.
/// </summary>
internal static class DynamicOps
{
    private static readonly object True = true;
    private static readonly object False = false;

    public static object? Box(bool? value) => value is null ? null : value.Value ? True : False;

    private static string TypeName(object value) => value switch
    {
        long => "bigint",
        double => "double",
        decimal => "decimal",
        string => "text",
        bool => "boolean",
        DateTime => "timestamp",
        JsonElement => "json",
        TimeSpan => "interval",
        _ => value.GetType().Name,
    };

    /// <summary>Reads JSON scalars as the SQL values they hold; other values pass through.</summary>
    public static object? Normalize(object? value)
    {
        if (value is JsonElement json)
        {
            switch (json.ValueKind)
            {
                case JsonValueKind.Null or JsonValueKind.Undefined: return null;
                case JsonValueKind.String: return json.GetString();
                case JsonValueKind.True: return True;
                case JsonValueKind.False: return False;
                case JsonValueKind.Number:
                    if (json.TryGetInt64(out var l)) return l;
                    if (json.TryGetDecimal(out var d)) return d;
                    return json.GetDouble();
            }
        }
        return value switch
        {
            int i => (long)i,
            float f => (double)f,
            _ => value,
        };
    }

    public static object? Arithmetic(int op, object? a, object? b)
    {
        a = Normalize(a);
        b = Normalize(b);
        if (a is null || b is null) return null;
        var symbol = op switch { 0 => "+", 1 => "-", 2 => "*", 3 => "/", _ => "%" };
        if (a is long la && b is long lb)
        {
            return op switch
            {
                0 => checked(la + lb),
                1 => checked(la - lb),
                2 => checked(la * lb),
                3 => la / lb,
                _ => la % lb,
            };
        }
        if (a is double || b is double)
        {
            if (IsNumber(a) && IsNumber(b))
            {
                var x = Convert.ToDouble(a, CultureInfo.InvariantCulture);
                var y = Convert.ToDouble(b, CultureInfo.InvariantCulture);
                if (op >= 3 && y == 0) throw new DivideByZeroException();
                return op switch { 0 => x + y, 1 => x - y, 2 => x * y, 3 => x / y, _ => x % y };
            }
        }
        else if (IsNumber(a) && IsNumber(b))
        {
            var x = Convert.ToDecimal(a, CultureInfo.InvariantCulture);
            var y = Convert.ToDecimal(b, CultureInfo.InvariantCulture);
            return op switch { 0 => x + y, 1 => x - y, 2 => x * y, 3 => x / y, _ => x % y };
        }
        if (a is DateTime t && b is TimeSpan s && op is 0 or 1) return op == 0 ? t + s : t - s;
        if (a is DateTime t1 && b is DateTime t2 && op == 1) return t1 - t2;
        throw new SqlEvaluationException($"Operator {symbol} cannot be applied to {TypeName(a)} and {TypeName(b)}");
    }

    private static bool IsNumber(object value) => value is long or double or decimal;

    public static object? Negate(object? a) => Normalize(a) switch
    {
        null => null,
        long l => checked(-l),
        double d => -d,
        decimal m => -m,
        TimeSpan s => -s,
        var other => throw new SqlEvaluationException($"Operator - cannot be applied to {TypeName(other)}"),
    };

    /// <summary>Three-way comparison; null when either side is NULL.</summary>
    public static int? Compare(object? a, object? b)
    {
        a = Normalize(a);
        b = Normalize(b);
        if (a is null || b is null) return null;
        if (a is long la && b is long lb) return la.CompareTo(lb);
        if (IsNumber(a) && IsNumber(b))
        {
            if (a is double || b is double) return Convert.ToDouble(a, CultureInfo.InvariantCulture).CompareTo(Convert.ToDouble(b, CultureInfo.InvariantCulture));
            return Convert.ToDecimal(a, CultureInfo.InvariantCulture).CompareTo(Convert.ToDecimal(b, CultureInfo.InvariantCulture));
        }
        if (a is string sa && b is string sb) return string.CompareOrdinal(sa, sb);
        if (a is bool ba && b is bool bb) return ba.CompareTo(bb);
        if (a is DateTime ta && b is DateTime tb) return ta.CompareTo(tb);
        if (a is DateTime ta2 && b is string) return ta2.CompareTo(ToTimestamp(b));
        if (a is string && b is DateTime tb2) return ToTimestamp(a)!.Value.CompareTo(tb2);
        if (a is TimeSpan xa && b is TimeSpan xb) return xa.CompareTo(xb);
        throw new SqlEvaluationException($"Cannot compare {TypeName(a)} with {TypeName(b)}");
    }

    public static long? ToBigint(object? value)
    {
        switch (Normalize(value))
        {
            case null: return null;
            case long l: return l;
            case double d:
                if (double.IsNaN(d) || d >= 9.2233720368547758E18 || d < -9.2233720368547758E18) throw new OverflowException();
                return (long)Math.Round(d, MidpointRounding.AwayFromZero);
            case decimal m: return decimal.ToInt64(Math.Round(m, MidpointRounding.AwayFromZero));
            case bool b: return b ? 1 : 0;
            case string s:
                if (long.TryParse(s.Trim(), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var parsed)) return parsed;
                throw new SqlEvaluationException($"Cannot cast '{Shorten(s)}' to bigint");
            case var other: throw new SqlEvaluationException($"Cannot cast {TypeName(other)} to bigint");
        }
    }

    public static double? ToDouble(object? value)
    {
        switch (Normalize(value))
        {
            case null: return null;
            case long l: return l;
            case double d: return d;
            case decimal m: return (double)m;
            case string s:
                if (double.TryParse(s.Trim(), NumberStyles.Float, CultureInfo.InvariantCulture, out var parsed)) return parsed;
                throw new SqlEvaluationException($"Cannot cast '{Shorten(s)}' to double");
            case var other: throw new SqlEvaluationException($"Cannot cast {TypeName(other)} to double");
        }
    }

    public static decimal? ToDecimal(object? value)
    {
        switch (Normalize(value))
        {
            case null: return null;
            case long l: return l;
            case double d:
                if (double.IsNaN(d) || double.IsInfinity(d) || Math.Abs(d) > 7.9e28) throw new SqlEvaluationException($"Cannot cast {d.ToString(CultureInfo.InvariantCulture)} to decimal");
                return (decimal)d;
            case decimal m: return m;
            case string s:
                if (decimal.TryParse(s.Trim(), NumberStyles.Float, CultureInfo.InvariantCulture, out var parsed)) return parsed;
                throw new SqlEvaluationException($"Cannot cast '{Shorten(s)}' to decimal");
            case var other: throw new SqlEvaluationException($"Cannot cast {TypeName(other)} to decimal");
        }
    }

    public static bool? ToBoolean(object? value)
    {
        switch (Normalize(value))
        {
            case null: return null;
            case bool b: return b;
            case long l: return l != 0;
            case string s:
                switch (s.Trim().ToLowerInvariant())
                {
                    case "true" or "t" or "yes" or "y" or "on" or "1": return true;
                    case "false" or "f" or "no" or "n" or "off" or "0": return false;
                }
                throw new SqlEvaluationException($"Cannot cast '{Shorten(s)}' to boolean");
            case var other: throw new SqlEvaluationException($"Cannot cast {TypeName(other)} to boolean");
        }
    }

    public static DateTime? ToTimestamp(object? value)
    {
        switch (Normalize(value))
        {
            case null: return null;
            case DateTime t: return t.Kind == DateTimeKind.Utc ? t : DateTime.SpecifyKind(t.ToUniversalTime(), DateTimeKind.Utc);
            case long ms: return DateTime.UnixEpoch.AddMilliseconds(ms);
            case string s:
                if (Sql.Parser.TryParseTimestamp(s, out var parsed)) return parsed;
                throw new SqlEvaluationException($"Cannot cast '{Shorten(s)}' to timestamp");
            case var other: throw new SqlEvaluationException($"Cannot cast {TypeName(other)} to timestamp");
        }
    }

    public static string? ToText(object? value)
    {
        if (value is JsonElement json)
            return json.ValueKind switch
            {
                JsonValueKind.Null or JsonValueKind.Undefined => null,
                JsonValueKind.String => json.GetString(),
                _ => json.GetRawText(),
            };
        return value switch
        {
            null => null,
            string s => s,
            bool b => b ? "true" : "false",
            DateTime t => t.ToString("yyyy-MM-dd'T'HH:mm:ss.FFFFFFF'Z'", CultureInfo.InvariantCulture),
            TimeSpan span => span.ToString("c", CultureInfo.InvariantCulture),
            IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
            _ => value.ToString(),
        };
    }

    public static JsonElement? ToJson(object? value)
    {
        switch (value)
        {
            case null: return null;
            case JsonElement json: return json;
            case string s:
                try
                {
                    using var doc = JsonDocument.Parse(s);
                    return doc.RootElement.Clone();
                }
                catch (JsonException)
                {
                    throw new SqlEvaluationException($"Cannot cast '{Shorten(s)}' to json: not valid JSON");
                }
            default:
                return JsonSerializer.SerializeToElement(value);
        }
    }

    public static object? Abs(object? a) => Normalize(a) switch
    {
        null => null,
        long l => checked(Math.Abs(l)),
        double d => Math.Abs(d),
        decimal m => Math.Abs(m),
        var other => throw new SqlEvaluationException($"ABS needs a number, not {TypeName(other)}"),
    };

    public static object? Floor(object? a) => Normalize(a) switch
    {
        null => null,
        long l => l,
        double d => Math.Floor(d),
        decimal m => Math.Floor(m),
        var other => throw new SqlEvaluationException($"FLOOR needs a number, not {TypeName(other)}"),
    };

    public static object? Ceil(object? a) => Normalize(a) switch
    {
        null => null,
        long l => l,
        double d => Math.Ceiling(d),
        decimal m => Math.Ceiling(m),
        var other => throw new SqlEvaluationException($"CEIL needs a number, not {TypeName(other)}"),
    };

    public static object? Round(object? a, long? digits) => Normalize(a) switch
    {
        null => null,
        _ when digits is null => null,
        long l => SqlRuntime.Round(l, digits),
        double d => SqlRuntime.Round(d, digits),
        decimal m => SqlRuntime.Round(m, digits),
        var other => throw new SqlEvaluationException($"ROUND needs a number, not {TypeName(other)}"),
    };

    public static JsonElement? JsonGet(object? value, string key) => value switch
    {
        JsonElement json => SqlRuntime.JsonGet(json, key),
        string s => SqlRuntime.JsonGet(ToJson(s), key),
        _ => null,
    };

    public static object? Coerce(object? value) => Normalize(value);

    private static string Shorten(string s) => s.Length <= 40 ? s : s[..40] + "…";
}
