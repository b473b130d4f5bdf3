using System.Security.Claims;
using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;
using System.Text.Encodings.Web;

namespace Sluice.Api.Auth;

/// <summary>
/// The API keys from configuration, held by the SHA-256 of their secrets: a presented key is hashed and looked up,
/// so no secret stays in memory when the configuration gives <c>Sha256</c>, and lookup time does not depend on
/// how much of a guess matches. Keys created at <c>/api/keys</c> (<see cref="StoredApiKeys"/>) are looked up the same way.
/// </summary>
public sealed class ApiKeys
{
    public const string Scheme = "ApiKey";

    private readonly Dictionary<string, ClaimsPrincipal> byHash = new(StringComparer.Ordinal);
    private readonly StoredApiKeys stored;

    public ApiKeys(IOptions<AuthOptions> options, StoredApiKeys stored)
    {
        this.stored = stored;
        foreach (var (name, key) in options.Value.Keys)
        {
            string hash;
            if (!string.IsNullOrEmpty(key.Secret))
            {
                hash = Hash(key.Secret);
            }
            else if (!string.IsNullOrEmpty(key.Sha256) && key.Sha256.Length == 64 && key.Sha256.All(char.IsAsciiHexDigit))
            {
                hash = key.Sha256.ToUpperInvariant();
            }
            else
            {
                throw new InvalidOperationException($"Auth:Keys:{name} needs a Secret or a Sha256 (64 hex digits).");
            }
            byHash[hash] = new ClaimsPrincipal(new CallerIdentity($"key:{name}", ScopeSet.Parse(key.Scopes), Scheme));
        }
    }

    public ClaimsPrincipal? Find(string secret)
    {
        var hash = Hash(secret);
        return byHash.GetValueOrDefault(hash) ?? stored.FindByHash(hash);
    }

    public static string Hash(string secret)
    {
        Span<byte> digest = stackalloc byte[SHA256.HashSizeInBytes];
        SHA256.HashData(Encoding.UTF8.GetBytes(secret), digest);
        return Convert.ToHexString(digest);
    }
}

/// <summary>Authenticates <c>Authorization: Bearer &lt;api key&gt;</c> against <see cref="ApiKeys"/>.</summary>
internal sealed class ApiKeyHandler(IOptionsMonitor<AuthenticationSchemeOptions> options, ILoggerFactory logger, UrlEncoder encoder, ApiKeys keys)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    public const string InvalidKey = "The API key is not valid.";

    protected override Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        if (BearerToken.From(Request) is not { Length: > 0 } token)
        {
            return Task.FromResult(AuthenticateResult.NoResult());
        }
        return Task.FromResult(keys.Find(token) is { } principal
            ? AuthenticateResult.Success(new AuthenticationTicket(principal, ApiKeys.Scheme))
            : AuthenticateResult.Fail(InvalidKey));
    }
}
