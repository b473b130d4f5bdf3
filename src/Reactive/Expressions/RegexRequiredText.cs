using System.Text;

namespace Sluice.Reactive.Expressions;

/// <summary>
/// The longest run of plain characters that every match of a pattern must contain (<c>channel_id=</c> in
/// <c>(&amp;|^)channel_id=([^&amp;]*)</c>), so a value without it is known not to match after one vectorised
/// substring search instead of a pass of the regex engine over the whole value.
/// </summary>
/// <remarks>
/// Deliberately conservative: only the pattern's top-level sequence is read, groups and classes are skipped whole,
/// a quantified character does not count, and anything it does not fully understand (a top-level <c>|</c>, inline
/// options, escapes other than the common one-letter classes and escaped punctuation, a malformed class or brace)
/// gives no text at all, which only means the regex always runs. Case-insensitive patterns get none.
/// </remarks>
internal static class RegexRequiredText
{
    public static string? Of(string pattern)
    {
        var best = "";
        var run = new StringBuilder();
        var i = 0;
        while (i < pattern.Length)
        {
            var c = pattern[i];
            char? literal = null;
            switch (c)
            {
                case '|':
                    return null;
                case '\\':
                {
                    if (i + 1 >= pattern.Length) return null;
                    var next = pattern[i + 1];
                    if (next < 128 && !char.IsAsciiLetterOrDigit(next)) literal = next;
                    else if (!"dDwWsSbBAzZGntrfve".Contains(next, StringComparison.Ordinal)) return null;
                    else if ("ntrfve".Contains(next, StringComparison.Ordinal)) literal = Unescape(next);
                    i += 2;
                    break;
                }
                case '[':
                {
                    var end = ClassEnd(pattern, i);
                    if (end < 0) return null;
                    i = end + 1;
                    break;
                }
                case '(':
                {
                    // Inline options such as (?i) or (?x) change how the rest of the sequence reads.
                    if (i + 2 < pattern.Length && pattern[i + 1] == '?' && "imnsx-".Contains(pattern[i + 2], StringComparison.Ordinal)) return null;
                    var end = GroupEnd(pattern, i);
                    if (end < 0) return null;
                    i = end + 1;
                    break;
                }
                case ')' or ']' or '}':
                    return null;
                case '{':
                    return null; // a brace that is not a quantifier after an atom: read as text by .NET, not worth following
                case '*' or '+' or '?':
                    return null; // a quantifier with nothing before it is an error; a quantifier after an atom is read below
                case '^' or '$' or '.':
                    i++;
                    break;
                default:
                    literal = c;
                    i++;
                    break;
            }

            // A quantifier after the atom: the atom may repeat or vanish, so it ends the run and does not join it.
            var quantified = false;
            if (i < pattern.Length && pattern[i] is '*' or '+' or '?' or '{')
            {
                var end = QuantifierEnd(pattern, i);
                if (end < 0) return null;
                i = end + 1;
                if (i < pattern.Length && pattern[i] == '?') i++; // lazy
                quantified = true;
            }

            if (literal is { } plain && !quantified)
            {
                run.Append(plain);
                if (run.Length > best.Length) best = run.ToString();
            }
            else
            {
                run.Clear();
            }
        }
        return best.Length == 0 ? null : best;
    }

    private static char Unescape(char c) => c switch
    {
        'n' => '\n',
        't' => '\t',
        'r' => '\r',
        'f' => '\f',
        'v' => '\v',
        _ => '\u001B',
    };

    /// <summary>Index of the <c>]</c> closing the class that opens at <paramref name="start"/>, or -1 (also for nested classes).</summary>
    private static int ClassEnd(string pattern, int start)
    {
        var i = start + 1;
        if (i < pattern.Length && pattern[i] == '^') i++;
        if (i < pattern.Length && pattern[i] == ']') i++; // a leading ] is a member
        for (; i < pattern.Length; i++)
        {
            switch (pattern[i])
            {
                case '\\': i++; break;
                case '[': return -1; // subtraction ([a-z-[aeiou]]) and the like: not followed
                case ']': return i;
            }
        }
        return -1;
    }

    /// <summary>Index of the <c>)</c> closing the group that opens at <paramref name="start"/>, or -1.</summary>
    private static int GroupEnd(string pattern, int start)
    {
        var depth = 0;
        for (var i = start; i < pattern.Length; i++)
        {
            switch (pattern[i])
            {
                case '\\':
                    i++;
                    break;
                case '[':
                {
                    var end = ClassEnd(pattern, i);
                    if (end < 0) return -1;
                    i = end;
                    break;
                }
                case '(':
                    depth++;
                    break;
                case ')':
                    if (--depth == 0) return i;
                    break;
            }
        }
        return -1;
    }

    /// <summary>Index of the last character of the quantifier at <paramref name="start"/> (<c>*</c>, <c>+</c>, <c>?</c>, <c>{n}</c>, <c>{n,}</c>, <c>{n,m}</c>), or -1.</summary>
    private static int QuantifierEnd(string pattern, int start)
    {
        if (pattern[start] != '{') return start;
        var i = start + 1;
        var digits = 0;
        while (i < pattern.Length && char.IsAsciiDigit(pattern[i])) { i++; digits++; }
        if (digits == 0 || i >= pattern.Length) return -1;
        if (pattern[i] == ',')
        {
            i++;
            while (i < pattern.Length && char.IsAsciiDigit(pattern[i])) i++;
        }
        return i < pattern.Length && pattern[i] == '}' ? i : -1;
    }
}
