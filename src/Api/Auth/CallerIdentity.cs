using System.Security.Claims;

namespace Sluice.Api.Auth;

/// <summary>
/// Who is calling and what they may do: the credential's name (for rate and connection limits, and logs) and its
/// parsed scopes. Added to the request's principal by whichever handler authenticated it, so scopes are parsed once.
/// </summary>
public sealed class CallerIdentity(string credential, ScopeSet scopes, string authenticationType)
    : ClaimsIdentity([new Claim(ClaimTypes.Name, credential)], authenticationType)
{
    /// <summary><c>key:&lt;name&gt;</c>, <c>jwt:&lt;subject&gt;</c>, or <c>anonymous:&lt;address&gt;</c> where no credential is needed.</summary>
    public string Credential { get; } = credential;

    public ScopeSet Scopes { get; } = scopes;

    /// <summary>The caller of a request that passed <see cref="AccessGate"/>; a principal without one may do nothing.</summary>
    public static CallerIdentity? Of(ClaimsPrincipal? user)
    {
        if (user is CallerPrincipal known)
        {
            return known.Caller;
        }
        if (user is null)
        {
            return null;
        }
        foreach (var identity in user.Identities)
        {
            if (identity is CallerIdentity caller)
            {
                return caller;
            }
        }
        return null;
    }

    /// <summary>The scopes of <paramref name="user"/>, or none.</summary>
    public static ScopeSet ScopesOf(ClaimsPrincipal? user) => Of(user)?.Scopes ?? ScopeSet.None;
}

/// <summary>
/// A principal made of one <see cref="CallerIdentity"/>, built once per credential (API keys, anonymous loopback) and
/// shared by its requests: finding the caller is then a type test, not a walk over the principal's identities (which
/// allocates an enumerator per request).
/// </summary>
public sealed class CallerPrincipal(CallerIdentity caller) : ClaimsPrincipal(caller)
{
    public CallerIdentity Caller { get; } = caller;
}
