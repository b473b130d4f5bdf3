using System.Collections.Concurrent;
using System.Security.Claims;

namespace Sluice.Api.Auth;

/// <summary>
/// JWTs already validated, until they expire: checking an HS256 or RS256 signature costs more than a whole
/// single-event append, and a producer sends the same token with every request. A JWT cannot be revoked before
/// its expiry anyway, so remembering a valid one until then grants nothing more. Bounded: when full, it starts over.
/// </summary>
internal sealed class ValidatedTokens(TimeProvider time)
{
    private const int Capacity = 10_000;
    private readonly ConcurrentDictionary<string, (ClaimsPrincipal Principal, DateTimeOffset Expires)> tokens = new(StringComparer.Ordinal);

    public ClaimsPrincipal? Find(string token) => Find(token.AsSpan());

    /// <summary>The principal of a token validated before and not expired, looked up without copying the token.</summary>
    public ClaimsPrincipal? Find(ReadOnlySpan<char> token)
    {
        var bySpan = tokens.GetAlternateLookup<ReadOnlySpan<char>>();
        if (!bySpan.TryGetValue(token, out var entry))
        {
            return null;
        }
        if (entry.Expires > time.GetUtcNow())
        {
            return entry.Principal;
        }
        bySpan.TryRemove(token, out _, out _);
        return null;
    }

    public void Add(string token, ClaimsPrincipal principal, DateTime validTo)
    {
        if (validTo == DateTime.MinValue)
        {
            return; // no expiry: validate every time rather than remember forever
        }
        if (tokens.Count >= Capacity)
        {
            tokens.Clear();
        }
        tokens[token] = (principal, new DateTimeOffset(DateTime.SpecifyKind(validTo, DateTimeKind.Utc)));
    }
}
