using System.Reflection;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;
using Npgsql;

namespace Sluice.Data.Postgres;

/// <summary>
/// Whether the catalog's schema is already the one this release migrates it to, asked with one plain query, so a start
/// over a current database skips EF Core's <c>Migrate</c>: that call builds the EF model and the migrations' snapshot model
/// and compares them before it finds nothing to do, about a second of CPU of a cold start (docs/benchmarks.md, "Recovery
/// timeline"). Any doubt (no history table, a migration missing or unknown) answers false, and the caller migrates as before.
/// </summary>
public static class CatalogSchemaVersion
{
    /// <summary>The migrations this release holds (ids such as <c>20261130020000_AddQueryReplace</c>), found by their attributes.</summary>
    public static IReadOnlySet<string> Known { get; } = typeof(SluiceDbContext).Assembly.GetTypes()
        .Where(type => type.IsSubclassOf(typeof(Migration))
                       && type.GetCustomAttribute<DbContextAttribute>()?.ContextType == typeof(SluiceDbContext))
        .Select(type => type.GetCustomAttribute<MigrationAttribute>()?.Id)
        .OfType<string>()
        .ToHashSet(StringComparer.Ordinal);

    /// <summary>True when the database has applied exactly the migrations this release holds.</summary>
    public static async Task<bool> IsCurrentAsync(NpgsqlDataSource dataSource, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(dataSource);
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using (var exists = new NpgsqlCommand("SELECT to_regclass('\"__EFMigrationsHistory\"') IS NOT NULL", connection))
        {
            if (await exists.ExecuteScalarAsync(cancellationToken) is not true)
            {
                return false;
            }
        }
        var applied = new HashSet<string>(StringComparer.Ordinal);
        await using (var read = new NpgsqlCommand("SELECT \"MigrationId\" FROM \"__EFMigrationsHistory\"", connection))
        await using (var rows = await read.ExecuteReaderAsync(cancellationToken))
        {
            while (await rows.ReadAsync(cancellationToken))
            {
                applied.Add(rows.GetString(0));
            }
        }
        return applied.SetEquals(Known);
    }
}
