using System.Buffers;
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
    private readonly Dictionary<string, ClaimsPrincipal>.AlternateLookup<ReadOnlySpan<char>> byHashSpan;
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
            byHash[hash] = new CallerPrincipal(new CallerIdentity($"key:{name}", ScopeSet.Parse(key.Scopes), Scheme));
        }
        byHashSpan = byHash.GetAlternateLookup<ReadOnlySpan<char>>();
    }

    public ClaimsPrincipal? Find(string secret) => Find(secret.AsSpan());

    /// <summary>
    /// The key's principal, or null. Allocates nothing: the secret is hashed into a stack buffer and looked up by span,
    /// on every request, so a key revoked at <c>/api/keys</c> stops working with the next request (nothing is cached
    /// per secret).
    /// </summary>
    public ClaimsPrincipal? Find(ReadOnlySpan<char> secret)
    {
        Span<char> hash = stackalloc char[SHA256.HashSizeInBytes * 2];
        HashInto(secret, hash);
        return byHashSpan.TryGetValue(hash, out var principal) ? principal : stored.FindByHash(hash);
    }

    public static string Hash(string secret)
    {
        Span<char> hash = stackalloc char[SHA256.HashSizeInBytes * 2];
        HashInto(secret, hash);
        return new string(hash);
    }

    /// <summary>Upper-case hex SHA-256 of the UTF-8 bytes of <paramref name="secret"/>, written to 64 chars of <paramref name="hash"/>.</summary>
    private static void HashInto(ReadOnlySpan<char> secret, Span<char> hash)
    {
        const int StackLimit = 512;
        var length = Encoding.UTF8.GetMaxByteCount(secret.Length);
        byte[]? rented = length > StackLimit ? ArrayPool<byte>.Shared.Rent(length) : null;
        var utf8 = rented ?? stackalloc byte[StackLimit];
        try
        {
            var written = Encoding.UTF8.GetBytes(secret, utf8);
            Span<byte> digest = stackalloc byte[SHA256.HashSizeInBytes];
            SHA256.HashData(utf8[..written], digest);
            Convert.TryToHexString(digest, hash, out _);
        }
        finally
        {
            if (rented is not null)
            {
                // The bytes are a secret: not left behind in a pooled buffer for the next renter.
                CryptographicOperations.ZeroMemory(rented);
                ArrayPool<byte>.Shared.Return(rented);
            }
        }
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
