namespace Sluice.Reactive.Expressions;

/// <summary>Text, array and regular-expression functions generated code calls (see <see cref="SqlRuntime"/>), NULL in, NULL out.</summary>
internal static class SqlTextRuntime
{
    public static string? ToChar(DateTime? value, ToCharFormat format) => value is null ? null : format.Format(value.Value);

    public static string? ToCharDynamic(DateTime? value, string? pattern) => value is null || pattern is null ? null : new ToCharFormat(pattern).Format(value.Value);

    /// <summary>SPLIT_PART(text, delimiter, n): the n-th field (from the end when n is negative), '' past the last.</summary>
    public static string? SplitPart(string? text, string? delimiter, long? n)
    {
        if (text is null || delimiter is null || n is null) return null;
        if (n == 0) throw new SqlEvaluationException("SPLIT_PART's field position must not be zero");
        var fields = delimiter.Length == 0 ? [text] : text.Split(delimiter);
        var index = n > 0 ? n.Value - 1 : fields.Length + n.Value;
        return index >= 0 && index < fields.Length ? fields[index] : "";
    }

    /// <summary>STRPOS(text, substring): 1-based position of the first occurrence, 0 when absent.</summary>
    public static long? Strpos(string? text, string? sub) => text is null || sub is null ? null : text.IndexOf(sub, StringComparison.Ordinal) + 1;

    public static string? Trim(string? text, string? characters) => text is null || characters is null ? null : text.Trim(characters.ToCharArray());

    public static string? LTrim(string? text, string? characters) => text is null || characters is null ? null : text.TrimStart(characters.ToCharArray());

    public static string? RTrim(string? text, string? characters) => text is null || characters is null ? null : text.TrimEnd(characters.ToCharArray());

    public static string[]? RegexpMatch(string? text, SqlRegex regex) => text is null ? null : regex.Match(text);

    public static string[]? RegexpMatchDynamic(string? text, string? pattern) => text is null || pattern is null ? null : new SqlRegex(pattern).Match(text);

    public static string? RegexpReplace(string? text, SqlRegex regex, string? replacement, bool global) =>
        text is null || replacement is null ? null : regex.Replace(text, replacement, global);

    public static string? RegexpReplaceDynamic(string? text, string? pattern, string? replacement, string? flags) =>
        text is null || pattern is null || replacement is null || flags is null
            ? null
            : new SqlRegex(pattern, flags.Contains('i', StringComparison.Ordinal)).Replace(text, replacement, flags.Contains('g', StringComparison.Ordinal));

    /// <summary><c>array[n]</c>: 1-based; NULL out of range, as in PostgreSQL.</summary>
    public static string? ArrayElement(string[]? array, long? index) =>
        array is null || index is null || index < 1 || index > array.Length ? null : array[index.Value - 1];

    /// <summary>PROCTIME(): when the row is processed, by the pipeline's <see cref="ProcessingTimeClock"/>.</summary>
    public static DateTime? ProcTime() => ProcessingTimeClock.CurrentNow();
}
