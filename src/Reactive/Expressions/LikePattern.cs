namespace Sluice.Reactive.Expressions;

/// <summary>A LIKE pattern: % matches any run, _ one character, backslash escapes. Matching is linear-time greedy with one backtrack point.</summary>
public sealed class LikePattern
{
    // Each element: a literal char, or -1 for '_', or -2 for '%'.
    private readonly int[] elements;

    public LikePattern(string pattern)
    {
        var list = new List<int>(pattern.Length);
        for (var i = 0; i < pattern.Length; i++)
        {
            var c = pattern[i];
            if (c == '\\' && i + 1 < pattern.Length) list.Add(pattern[++i]);
            else if (c == '%')
            {
                if (list.Count == 0 || list[^1] != -2) list.Add(-2);
            }
            else if (c == '_') list.Add(-1);
            else list.Add(c);
        }
        elements = [.. list];
    }

    public bool IsMatch(string text)
    {
        int t = 0, p = 0, starP = -1, starT = 0;
        while (t < text.Length)
        {
            if (p < elements.Length && (elements[p] == -1 || elements[p] == text[t]))
            {
                t++;
                p++;
            }
            else if (p < elements.Length && elements[p] == -2)
            {
                starP = p++;
                starT = t;
            }
            else if (starP >= 0)
            {
                p = starP + 1;
                t = ++starT;
            }
            else return false;
        }
        while (p < elements.Length && elements[p] == -2) p++;
        return p == elements.Length;
    }
}
