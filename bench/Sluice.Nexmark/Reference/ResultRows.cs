using System.Globalization;
using System.Text;
using System.Text.Json;

namespace Sluice.Nexmark.Reference;

/// <summary>
/// A multiset of result rows compared by value: each row becomes a canonical text key, so rows from the
/// engine (boxed values), from the reference and from JSON read back over HTTP compare alike.
/// Integers and decimals compare by numeric value (111.6840 equals 111.684); doubles, text and timestamps
/// keep their type, so a double where a decimal is expected is a difference.
/// </summary>
public sealed class ResultRows
{
    private readonly Dictionary<string, int> counts = new(StringComparer.Ordinal);

    public int Count { get; private set; }

    public static ResultRows Of(IEnumerable<object?[]> rows)
    {
        var result = new ResultRows();
        foreach (var row in rows)
        {
            result.Add(row);
        }
        return result;
    }

    public void Add(object?[] row) => AddKey(Key(row));

    public void AddKey(string key)
    {
        counts[key] = counts.GetValueOrDefault(key) + 1;
        Count++;
    }

    /// <summary>Removes one occurrence (a changelog retraction); false when the row is not there.</summary>
    public bool Remove(object?[] row) => RemoveKey(Key(row));

    public bool RemoveKey(string key)
    {
        if (!counts.TryGetValue(key, out var count))
        {
            return false;
        }
        if (count == 1)
        {
            counts.Remove(key);
        }
        else
        {
            counts[key] = count - 1;
        }
        Count--;
        return true;
    }

    /// <summary>Null when both hold the same rows the same number of times; otherwise a readable difference.</summary>
    public static string? Difference(ResultRows expected, ResultRows actual, int maxRowsShown = 15)
    {
        var missing = Subtract(expected, actual);
        var unexpected = Subtract(actual, expected);
        if (missing.Count == 0 && unexpected.Count == 0)
        {
            return null;
        }
        var text = new StringBuilder();
        text.AppendLine(CultureInfo.InvariantCulture, $"expected {expected.Count} rows, got {actual.Count}; {missing.Sum(m => m.Count)} missing, {unexpected.Sum(u => u.Count)} unexpected.");
        Describe(text, "missing (expected, not produced)", missing, maxRowsShown);
        Describe(text, "unexpected (produced, not expected)", unexpected, maxRowsShown);
        return text.ToString();
    }

    public static string Key(object?[] row) => string.Join(" | ", row.Select(ValueKey));

    public static string JsonKey(IEnumerable<JsonElement> values) => string.Join(" | ", values.Select(JsonValueKey));

    public static string ValueKey(object? value) => value switch
    {
        null => "null",
        long or int or short or byte => "n:" + Convert.ToDecimal(value, CultureInfo.InvariantCulture).ToString(CultureInfo.InvariantCulture),
        decimal d => "n:" + Normalize(d),
        double f => "f:" + f.ToString("R", CultureInfo.InvariantCulture),
        string s => "s:'" + s + "'",
        DateTime t => "t:" + t.ToString("yyyy-MM-dd'T'HH:mm:ss.fffffff", CultureInfo.InvariantCulture),
        bool b => b ? "b:true" : "b:false",
        _ => value.GetType().Name + ":" + Convert.ToString(value, CultureInfo.InvariantCulture),
    };

    /// <summary>
    /// A JSON value read back over HTTP: numbers compare as decimals, ISO-8601 strings as timestamps
    /// (no Nexmark text field looks like one), other strings as text.
    /// </summary>
    public static string JsonValueKey(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.Null or JsonValueKind.Undefined => "null",
        JsonValueKind.Number => "n:" + Normalize(decimal.Parse(value.GetRawText(), NumberStyles.Float, CultureInfo.InvariantCulture)),
        JsonValueKind.True => "b:true",
        JsonValueKind.False => "b:false",
        JsonValueKind.String when LooksLikeTimestamp(value.GetString()!) && value.TryGetDateTimeOffset(out var t) =>
            ValueKey(t.UtcDateTime),
        JsonValueKind.String => ValueKey(value.GetString()),
        _ => "json:" + value.GetRawText(),
    };

    private static bool LooksLikeTimestamp(string text) =>
        text.Length >= 19 && char.IsAsciiDigit(text[0]) && text[4] == '-' && text[7] == '-' && text[10] == 'T';

    private static string Normalize(decimal value) => value.ToString("0.############################", CultureInfo.InvariantCulture);

    private static List<(string Key, int Count)> Subtract(ResultRows left, ResultRows right) =>
        [.. left.counts
            .Select(c => (c.Key, Count: c.Value - right.counts.GetValueOrDefault(c.Key)))
            .Where(c => c.Count > 0)
            .OrderBy(c => c.Key, StringComparer.Ordinal)];

    private static void Describe(StringBuilder text, string title, List<(string Key, int Count)> rows, int maxRowsShown)
    {
        if (rows.Count == 0)
        {
            return;
        }
        text.AppendLine(CultureInfo.InvariantCulture, $"{title}:");
        foreach (var (key, count) in rows.Take(maxRowsShown))
        {
            text.AppendLine(CultureInfo.InvariantCulture, $"  {(count > 1 ? $"{count} × " : "")}{key}");
        }
        if (rows.Count > maxRowsShown)
        {
            text.AppendLine(CultureInfo.InvariantCulture, $"  … and {rows.Count - maxRowsShown} more distinct rows");
        }
    }
}
