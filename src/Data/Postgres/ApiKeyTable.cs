using Npgsql;

namespace Sluice.Data.Postgres;

/// <summary>The start-up read of the <c>api_keys</c> table (<see cref="KeyTables"/> maps it for EF Core, which writes it).</summary>
public static class ApiKeyTable
{
    /// <summary>
    /// Every stored key. Npgsql directly, not EF Core: this runs at every start, before the server takes requests, and EF
    /// would first build its model and compile the LINQ query, most of a second of CPU of a cold start (docs/benchmarks.md,
    /// "Recovery of 1,000,000 groups").
    /// </summary>
    public static async Task<IReadOnlyList<ApiKeyRecord>> ReadAllAsync(NpgsqlDataSource dataSource, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(dataSource);
        await using var select = dataSource.CreateCommand("SELECT name, sha256, scopes, created_at FROM api_keys");
        await using var rows = await select.ExecuteReaderAsync(cancellationToken);
        var keys = new List<ApiKeyRecord>();
        while (await rows.ReadAsync(cancellationToken))
        {
            keys.Add(new ApiKeyRecord { Name = rows.GetString(0), Sha256 = rows.GetString(1), Scopes = rows.GetString(2), CreatedAt = rows.GetFieldValue<DateTimeOffset>(3) });
        }
        return keys;
    }
}
