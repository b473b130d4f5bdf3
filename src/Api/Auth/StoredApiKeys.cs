using System.Collections.Concurrent;
using System.Security.Claims;
using System.Security.Cryptography;
using Microsoft.EntityFrameworkCore;
using Sluice.Data.Postgres;

namespace Sluice.Api.Auth;

/// <summary>
/// The API keys an admin created at <c>/api/keys</c>, stored in the PostgreSQL catalog by the SHA-256 of their secret.
/// All of them are held in memory (loaded at start, changed only through this class), so authenticating one costs a
/// hash and a dictionary lookup, the same as a key from configuration; a key works the moment its row is written and
/// stops the moment its row is deleted. One service owns a database (StreamOwnership), so nothing else writes the table.
/// </summary>
public sealed class StoredApiKeys(IServiceProvider services, TimeProvider time)
{
    private readonly IDbContextFactory<SluiceDbContext>? contexts = services.GetService<IDbContextFactory<SluiceDbContext>>();
    private readonly ConcurrentDictionary<string, (string Name, ClaimsPrincipal Principal)> byHash = new(StringComparer.Ordinal);
    private ConcurrentDictionary<string, (string Name, ClaimsPrincipal Principal)>.AlternateLookup<ReadOnlySpan<char>> ByHashSpan =>
        byHash.GetAlternateLookup<ReadOnlySpan<char>>();
    private readonly SemaphoreSlim writeLock = new(1, 1);

    /// <summary>Keys can be created only where there is a catalog to keep them.</summary>
    public bool Available => contexts is not null;

    public ClaimsPrincipal? FindByHash(string hash) => byHash.TryGetValue(hash, out var key) ? key.Principal : null;

    /// <summary>The key whose upper-case hex SHA-256 is <paramref name="hash"/>, without allocating a string for it.</summary>
    public ClaimsPrincipal? FindByHash(ReadOnlySpan<char> hash) => ByHashSpan.TryGetValue(hash, out var key) ? key.Principal : null;

    /// <summary>Reads every stored key; called once at start, after the catalog's migrations.</summary>
    public async Task LoadAsync(CancellationToken cancellationToken)
    {
        if (contexts is null)
        {
            return;
        }
        foreach (var key in await ApiKeyTable.ReadAllAsync(services.GetRequiredService<Npgsql.NpgsqlDataSource>(), cancellationToken))
        {
            byHash[key.Sha256] = (key.Name, Principal(key.Name, key.Scopes));
        }
    }

    public async Task<IReadOnlyList<ApiKeyInfo>> ListAsync(CancellationToken cancellationToken)
    {
        await using var db = await Contexts.CreateDbContextAsync(cancellationToken);
        return await db.ApiKeys.AsNoTracking().OrderBy(k => k.Name)
            .Select(k => new ApiKeyInfo(k.Name, k.Scopes, ApiKeyInfo.Catalog, k.CreatedAt))
            .ToListAsync(cancellationToken);
    }

    /// <summary>Creates a key with a new random secret; null when the name is taken.</summary>
    public async Task<CreatedApiKey?> CreateAsync(string name, string scopes, CancellationToken cancellationToken)
    {
        // 256 random bits, URL-safe and without dots, so it is never mistaken for a JWT.
        var secret = "sk_" + System.Buffers.Text.Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(32));
        var record = new ApiKeyRecord { Name = name, Sha256 = ApiKeys.Hash(secret), Scopes = scopes, CreatedAt = time.GetUtcNow() };
        await writeLock.WaitAsync(cancellationToken);
        try
        {
            await using var db = await Contexts.CreateDbContextAsync(cancellationToken);
            if (await db.ApiKeys.AnyAsync(k => k.Name == name, cancellationToken))
            {
                return null;
            }
            db.ApiKeys.Add(record);
            await db.SaveChangesAsync(cancellationToken);
            byHash[record.Sha256] = (name, Principal(name, scopes));
        }
        finally
        {
            writeLock.Release();
        }
        return new CreatedApiKey(name, scopes, secret, record.CreatedAt);
    }

    /// <summary>Deletes the key; false when there is none of that name.</summary>
    public async Task<bool> RevokeAsync(string name, CancellationToken cancellationToken)
    {
        await writeLock.WaitAsync(cancellationToken);
        try
        {
            // Forgotten in memory first: from here on the key authenticates nothing, even if the delete below fails.
            foreach (var (hash, key) in byHash)
            {
                if (key.Name == name)
                {
                    byHash.TryRemove(hash, out _);
                }
            }
            await using var db = await Contexts.CreateDbContextAsync(cancellationToken);
            return await db.ApiKeys.Where(k => k.Name == name).ExecuteDeleteAsync(cancellationToken) > 0;
        }
        finally
        {
            writeLock.Release();
        }
    }

    private IDbContextFactory<SluiceDbContext> Contexts =>
        contexts ?? throw new InvalidOperationException("API keys are stored only with PostgreSQL.");

    private static ClaimsPrincipal Principal(string name, string scopes) =>
        new CallerPrincipal(new CallerIdentity($"key:{name}", ScopeSet.Parse(scopes), ApiKeys.Scheme));
}

/// <summary>Loads the stored keys before the server takes requests (registered after the catalog's migrations).</summary>
internal sealed class StoredApiKeysStartup(StoredApiKeys keys) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken) => keys.LoadAsync(cancellationToken);

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
