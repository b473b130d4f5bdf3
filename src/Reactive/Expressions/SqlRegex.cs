using System.Text;
using System.Text.RegularExpressions;

namespace Sluice.Reactive.Expressions;

/// <summary>
/// A user's regular expression, made safe to run on every row: the non-backtracking engine (linear time in the
/// input) when the pattern allows it, otherwise the backtracking one with a match timeout, so a hostile pattern
/// cannot stall a query (a timeout is a row error).
/// </summary>
internal sealed class SqlRegex
{
    /// <summary>How long one match may run on the backtracking engine.</summary>
    public static readonly TimeSpan MatchTimeout = TimeSpan.FromMilliseconds(100);

    /// <summary>Patterns compiled so far, shared by every call site that uses the same one (bounded: user text).</summary>
    private static readonly System.Collections.Concurrent.ConcurrentDictionary<(string Pattern, bool IgnoreCase), SqlRegex> Shared = new();

    private const int MaxShared = 256;

    // The last REGEXP_MATCH on this thread: a query often matches the same value against the same pattern twice per
    // row (Nexmark q21's WHERE and SELECT), and a pipeline runs on one pushing thread, so the second is a lookup.
    [ThreadStatic]
    private static SqlRegex? memoRegex;

    [ThreadStatic]
    private static string? memoText;

    [ThreadStatic]
    private static string[]? memoResult;

    private readonly Regex regex;

    // Text every match contains, when the pattern shows one: a value without it cannot match (RegexRequiredText).
    private readonly string? requiredText;

    /// <summary>The compiled pattern, the same instance for every call site with the same pattern (so their matches share the memo).</summary>
    public static SqlRegex For(string pattern, bool ignoreCase = false)
    {
        if (Shared.TryGetValue((pattern, ignoreCase), out var known)) return known;
        var created = new SqlRegex(pattern, ignoreCase);
        return Shared.Count < MaxShared ? Shared.GetOrAdd((pattern, ignoreCase), created) : created;
    }

    public SqlRegex(string pattern, bool ignoreCase = false)
        : this(pattern, ignoreCase, MatchTimeout)
    {
    }

    /// <summary>With another bound on a backtracking match: tests that compare results on a loaded machine.</summary>
    internal SqlRegex(string pattern, bool ignoreCase, TimeSpan matchTimeout)
    {
        var options = RegexOptions.CultureInvariant | (ignoreCase ? RegexOptions.IgnoreCase : RegexOptions.None);
        requiredText = ignoreCase ? null : RegexRequiredText.Of(pattern);
        try
        {
            regex = new Regex(pattern, options | RegexOptions.NonBacktracking);
        }
        catch (NotSupportedException)
        {
            // Backreferences, lookarounds and the like need backtracking: bounded by the timeout instead.
            regex = new Regex(pattern, options, matchTimeout);
        }
    }

    /// <summary>Checks a pattern at compile time; the message says what is wrong, or null when it is valid.</summary>
    public static string? Check(string pattern)
    {
        try
        {
            _ = new Regex(pattern, RegexOptions.CultureInvariant, MatchTimeout);
            return null;
        }
        catch (ArgumentException e)
        {
            return e.Message;
        }
    }

    /// <summary>REGEXP_MATCH: the capture groups of the first match (the whole match when there are none), or NULL.</summary>
    /// <remarks>The array may be shared with an earlier call on the same text: callers only read it.</remarks>
    public string[]? Match(string text)
    {
        if (ReferenceEquals(memoRegex, this) && ReferenceEquals(memoText, text)) return memoResult;
        var result = MatchOnce(text);
        memoRegex = this;
        memoText = text;
        memoResult = result;
        return result;
    }

    private string[]? MatchOnce(string text)
    {
        if (CannotMatch(text)) return null;
        var match = regex.Match(text);
        if (!match.Success) return null;
        if (match.Groups.Count == 1) return [match.Value];
        var result = new string[match.Groups.Count - 1];
        for (var i = 1; i < match.Groups.Count; i++) result[i - 1] = match.Groups[i].Success ? match.Groups[i].Value : null!;
        return result;
    }

    /// <summary>REGEXP_REPLACE with a PostgreSQL replacement (<c>\1</c>, <c>\&amp;</c>): the first match, or all with <paramref name="global"/>.</summary>
    public string Replace(string text, string replacement, bool global) =>
        CannotMatch(text) ? text : regex.Replace(text, TranslateReplacement(replacement), global ? -1 : 1);

    /// <summary>True when the value lacks text every match contains: one vectorised search instead of a regex pass.</summary>
    private bool CannotMatch(string text) => requiredText is not null && !text.Contains(requiredText, StringComparison.Ordinal);

    /// <summary>PostgreSQL's <c>\n</c> and <c>\&amp;</c> become .NET's <c>${n}</c> and <c>$0</c>; a literal <c>$</c> is escaped.</summary>
    public static string TranslateReplacement(string replacement)
    {
        var sb = new StringBuilder(replacement.Length + 4);
        for (var i = 0; i < replacement.Length; i++)
        {
            var c = replacement[i];
            if (c == '$') sb.Append("$$");
            else if (c == '\\' && i + 1 < replacement.Length)
            {
                var next = replacement[++i];
                if (char.IsAsciiDigit(next)) sb.Append("${").Append(next).Append('}');
                else if (next == '&') sb.Append("$0");
                else sb.Append(next == '$' ? "$$" : next.ToString());
            }
            else sb.Append(c);
        }
        return sb.ToString();
    }
}
