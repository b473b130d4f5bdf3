using System.Collections.Concurrent;
using System.Security.Claims;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.Extensions.Options;

namespace Sluice.Api.Auth;

/// <summary>
/// JWTs already validated, until they expire: checking an HS256 or RS256 signature costs more than a whole
/// single-event append, and a producer sends the same token with every request. A JWT cannot be revoked before
/// its expiry anyway, so remembering a valid one until then grants nothing more; what can change is the issuer's
/// signing keys, so the tokens are forgotten whenever the keys they were validated with may have changed.
/// <list type="bullet">
/// <item>An entry lives until the token's <c>exp</c>, never longer (the handler itself would accept it for the clock
/// skew longer: those last seconds go to the handler); a token without <c>exp</c> is never remembered.</item>
/// <item>At most <see cref="Capacity"/> tokens: when full, expired ones are dropped, and if none had expired it starts
/// over (every token is then validated once more), so memory is bounded whatever callers send.</item>
/// <item>Only tokens the handler validated are added (from its <c>OnTokenValidated</c>): a token it refuses, for a bad
/// signature or anything else, is never remembered and is validated again on every request.</item>
/// <item>With an OpenID Connect issuer (<c>Auth:Jwt:Authority</c>), its configuration (signing keys) is looked at
/// again at most every <see cref="SigningKeysCheckInterval"/> while tokens are found here: when the handler's
/// configuration manager holds another one (it fetches the issuer's metadata every 12 h, or sooner after a token signed
/// with an unknown key), every token is forgotten, so a key the issuer withdrew stops working. A change of the JWT
/// options (<see cref="IOptionsMonitor{TOptions}.OnChange"/>) forgets them too; <c>Auth:Jwt:SigningKey</c> is read
/// once at start, so changing it means a restart, which starts empty.</item>
/// </list>
/// </summary>
internal sealed class ValidatedTokens
{
    public const int DefaultCapacity = 10_000;

    /// <summary>How often a lookup asks whether the issuer's signing keys changed (one call to the configuration manager).</summary>
    public static readonly TimeSpan SigningKeysCheckInterval = TimeSpan.FromSeconds(1);

    private readonly TimeProvider time;
    private readonly Func<CancellationToken, Task<object?>>? currentSigningConfiguration;
    private readonly ConcurrentDictionary<string, (ClaimsPrincipal Principal, DateTimeOffset Expires)> tokens = new(StringComparer.Ordinal);
    private readonly Lock changing = new();
    private object? signingConfiguration;
    private long generation;
    private long nextCheckTicks = long.MinValue;

    public ValidatedTokens(TimeProvider time, IOptionsMonitor<JwtBearerOptions> jwtOptions)
        : this(time, cancellationToken => SigningConfigurationAsync(jwtOptions, cancellationToken))
    {
        jwtOptions.OnChange((_, name) =>
        {
            if (name == JwtBearerDefaults.AuthenticationScheme)
            {
                Forget();
            }
        });
    }

    /// <param name="time">The clock expiries are compared with.</param>
    /// <param name="currentSigningConfiguration">The issuer's configuration the handler validates with now (compared by
    /// reference: a new one replaces it when the metadata is fetched again), or null when the keys cannot change.</param>
    /// <param name="capacity">How many tokens at most.</param>
    public ValidatedTokens(TimeProvider time, Func<CancellationToken, Task<object?>>? currentSigningConfiguration, int capacity = DefaultCapacity)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        this.time = time;
        this.currentSigningConfiguration = currentSigningConfiguration;
        Capacity = capacity;
    }

    public int Capacity { get; }

    public int Count => tokens.Count;

    /// <summary>
    /// Changes whenever every token is forgotten. Read it before a token is validated and give it to <see cref="Add"/>:
    /// a token validated while the keys changed is then not remembered (it may have been checked with a withdrawn key).
    /// </summary>
    public long Generation => Interlocked.Read(ref generation);

    public ClaimsPrincipal? Find(string token) => Find(token.AsSpan());

    /// <summary>The principal of a token validated before and not expired, looked up without copying the token.</summary>
    public ClaimsPrincipal? Find(ReadOnlySpan<char> token)
    {
        var now = time.GetUtcNow();
        CheckSigningConfiguration(now);
        var bySpan = tokens.GetAlternateLookup<ReadOnlySpan<char>>();
        if (!bySpan.TryGetValue(token, out var entry))
        {
            return null;
        }
        if (entry.Expires > now)
        {
            return entry.Principal;
        }
        bySpan.TryRemove(token, out _, out _);
        return null;
    }

    /// <summary>
    /// Remembers a token the handler has just validated, until <paramref name="validTo"/> (its <c>exp</c>), unless the
    /// keys changed since <paramref name="generationBefore"/> was read or it has no expiry or has already expired.
    /// </summary>
    public void Add(string token, ClaimsPrincipal principal, DateTime validTo, long generationBefore)
    {
        if (validTo == DateTime.MinValue)
        {
            return; // no expiry: validate every time rather than remember forever
        }
        var expires = new DateTimeOffset(DateTime.SpecifyKind(validTo, DateTimeKind.Utc));
        var now = time.GetUtcNow();
        if (expires <= now)
        {
            return; // accepted within the clock skew after its exp: not remembered beyond it
        }
        lock (changing)
        {
            if (generation != generationBefore)
            {
                return;
            }
            if (tokens.Count >= Capacity && !tokens.ContainsKey(token))
            {
                MakeRoom(now);
            }
            tokens[token] = (principal, expires);
        }
    }

    /// <summary>Forgets every token: each is validated by the handler again on its next request.</summary>
    public void Forget()
    {
        lock (changing)
        {
            Interlocked.Increment(ref generation);
            tokens.Clear();
        }
    }

    private void MakeRoom(DateTimeOffset now)
    {
        foreach (var (token, entry) in tokens)
        {
            if (entry.Expires <= now)
            {
                tokens.TryRemove(token, out _);
            }
        }
        if (tokens.Count >= Capacity)
        {
            tokens.Clear();
        }
    }

    /// <summary>At most once per <see cref="SigningKeysCheckInterval"/>: forgets every token when the issuer's configuration changed.</summary>
    private void CheckSigningConfiguration(DateTimeOffset now)
    {
        if (currentSigningConfiguration is null)
        {
            return;
        }
        var due = Interlocked.Read(ref nextCheckTicks);
        if (now.UtcTicks < due || Interlocked.CompareExchange(ref nextCheckTicks, (now + SigningKeysCheckInterval).UtcTicks, due) != due)
        {
            return; // not yet, or another request is checking
        }
        Task<object?> current;
        try
        {
            current = currentSigningConfiguration(CancellationToken.None);
        }
        catch (Exception)
        {
            return; // the issuer cannot be reached: the handler keeps the keys it has, and so does this
        }
        if (current.IsCompletedSuccessfully)
        {
            Observe(current.Result);
        }
        else
        {
            _ = ObserveWhenFetchedAsync(current);
        }
    }

    private async Task ObserveWhenFetchedAsync(Task<object?> fetching)
    {
        try
        {
            Observe(await fetching.ConfigureAwait(false));
        }
        catch (Exception)
        {
            // As above: no new configuration, nothing to forget.
        }
    }

    private void Observe(object? configuration)
    {
        lock (changing)
        {
            if (ReferenceEquals(configuration, signingConfiguration))
            {
                return;
            }
            var first = signingConfiguration is null;
            signingConfiguration = configuration;
            if (!first)
            {
                Interlocked.Increment(ref generation);
                tokens.Clear();
            }
        }
    }

    private static async Task<object?> SigningConfigurationAsync(IOptionsMonitor<JwtBearerOptions> jwtOptions, CancellationToken cancellationToken) =>
        jwtOptions.Get(JwtBearerDefaults.AuthenticationScheme).ConfigurationManager is { } manager
            ? await manager.GetConfigurationAsync(cancellationToken).ConfigureAwait(false)
            : null;
}
