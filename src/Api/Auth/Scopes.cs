namespace Sluice.Api.Auth;

/// <summary>What a scope grants on a stream or query name (SPEC §8).</summary>
public enum Access
{
    /// <summary>Read events, subscribe, describe, <c>/results</c>.</summary>
    Read,

    /// <summary>Append events.</summary>
    Write,

    /// <summary>Create and delete streams; register, replace, stop, start and delete queries.</summary>
    Manage,
}

/// <summary>
/// A caller's parsed scopes: <c>read:&lt;pattern&gt;</c>, <c>write:&lt;pattern&gt;</c>, <c>manage:&lt;pattern&gt;</c> and
/// <c>admin</c>, where a pattern is a name or a prefix ending in <c>*</c>. Immutable; parsed once per credential.
/// </summary>
public sealed class ScopeSet
{
    public static readonly ScopeSet Admin = new(true, []);

    public static readonly ScopeSet None = new(false, []);

    private readonly (Access Access, string Pattern)[] grants;

    private ScopeSet(bool isAdmin, (Access, string)[] grants)
    {
        IsAdmin = isAdmin;
        this.grants = grants;
    }

    public bool IsAdmin { get; }

    /// <summary>Parses a space-separated scope list; unknown words are ignored, so a token issued for other services still works here.</summary>
    public static ScopeSet Parse(string? scopes)
    {
        if (string.IsNullOrWhiteSpace(scopes))
        {
            return None;
        }
        var isAdmin = false;
        var grants = new List<(Access, string)>();
        foreach (var word in scopes.Split([' ', '\t', '\n', '\r', ','], StringSplitOptions.RemoveEmptyEntries))
        {
            if (word == "admin")
            {
                isAdmin = true;
                continue;
            }
            var colon = word.IndexOf(':', StringComparison.Ordinal);
            if (colon <= 0 || colon == word.Length - 1)
            {
                continue;
            }
            Access? access = word[..colon] switch
            {
                "read" => Access.Read,
                "write" => Access.Write,
                "manage" => Access.Manage,
                _ => null,
            };
            if (access is { } a)
            {
                grants.Add((a, word[(colon + 1)..]));
            }
        }
        return isAdmin ? Admin : new ScopeSet(false, grants.ToArray());
    }

    /// <summary>
    /// The first word of <paramref name="scopes"/> that is not a scope Sluice knows (<c>admin</c>, or <c>read:</c>,
    /// <c>write:</c>, <c>manage:</c> and a pattern), or null when all are. Used where Sluice issues the scopes itself
    /// (<c>/api/keys</c>), so a typo is refused instead of silently granting nothing.
    /// </summary>
    public static string? FirstUnknown(string scopes)
    {
        foreach (var word in scopes.Split([' ', '\t', '\n', '\r', ','], StringSplitOptions.RemoveEmptyEntries))
        {
            if (word == "admin")
            {
                continue;
            }
            var colon = word.IndexOf(':', StringComparison.Ordinal);
            var pattern = colon < 0 ? "" : word[(colon + 1)..];
            var known = colon > 0 && word[..colon] is ("read" or "write" or "manage")
                && pattern.Length > 0 && pattern.IndexOf('*', StringComparison.Ordinal) is var star && (star < 0 || star == pattern.Length - 1);
            if (!known)
            {
                return word;
            }
        }
        return null;
    }

    /// <summary>True when a scope grants <paramref name="access"/> on <paramref name="name"/>.</summary>
    public bool Allows(Access access, string name)
    {
        if (IsAdmin)
        {
            return true;
        }
        foreach (var (granted, pattern) in grants)
        {
            if (granted == access && Matches(pattern, name))
            {
                return true;
            }
        }
        return false;
    }

    /// <summary>The scope that would grant <paramref name="access"/> on <paramref name="name"/>, as a 403 names it.</summary>
    public static string Name(Access access, string name) => $"{access.ToString().ToLowerInvariant()}:{name}";

    private static bool Matches(string pattern, string name) =>
        pattern.EndsWith('*')
            ? name.StartsWith(pattern.AsSpan(0, pattern.Length - 1), StringComparison.Ordinal)
            : string.Equals(pattern, name, StringComparison.Ordinal);

    public override string ToString() =>
        IsAdmin ? "admin" : string.Join(' ', grants.Select(g => Name(g.Access, g.Pattern)));
}
