using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using Sluice.Data.Cluster;
using Sluice.Data.Memory;
using Sluice.Data.Postgres;
using Sluice.Data.Queries;
using Sluice.Data.Streams;

namespace Sluice.Data;

public static class DataServiceCollectionExtensions
{
    /// <summary>
    /// Registers the stream store: the memory engine always; the PostgreSQL engine and a durable
    /// catalog when <paramref name="postgresConnectionString"/> is set.
    /// </summary>
    /// <param name="idempotencyWindow">How long appends' idempotency keys are kept; default 24 hours.</param>
    /// <param name="memoryStreamBytes">What all memory streams together may hold, in bytes; default unlimited.</param>
    /// <param name="postgresGroupsInFlight">Groups of appends a postgres stream has between planning and commit; default 1 (<see cref="PostgresAppendOptions"/>).</param>
    public static IServiceCollection AddStreamStore(
        this IServiceCollection services, string? postgresConnectionString, TimeSpan? idempotencyWindow = null, long? memoryStreamBytes = null,
        int? postgresGroupsInFlight = null)
    {
        services.AddSingleton(TimeProvider.System);
        services.AddSingleton(new IdempotencyOptions { Window = idempotencyWindow ?? IdempotencyKeys.DefaultWindow });
        services.AddSingleton(memoryStreamBytes is { } bytes ? new MemoryStreamBudget(bytes) : MemoryStreamBudget.Unlimited);
        services.AddSingleton<IStreamEngine, MemoryStreamEngine>();
        if (string.IsNullOrWhiteSpace(postgresConnectionString))
        {
            services.AddSingleton<IStreamCatalog, MemoryStreamCatalog>();
            services.AddSingleton<IQueryCatalog, MemoryQueryCatalog>();
        }
        else
        {
            // A factory registration, so the container disposes the data source (and its pool) with the host.
            services.AddSingleton(_ => PostgresDataSource.Create(postgresConnectionString));
            services.AddDbContextFactory<SluiceDbContext>((provider, options) => options.UseNpgsql(provider.GetRequiredService<NpgsqlDataSource>()));
            services.AddSingleton<IStreamCatalog, PostgresStreamCatalog>();
            services.AddSingleton<IQueryCatalog, PostgresQueryCatalog>();
            services.AddSingleton<IStreamEngine, PostgresStreamEngine>();
            services.AddSingleton(_ => new StreamOwnership(postgresConnectionString));
            services.AddSingleton(new PostgresAppendOptions { GroupsInFlight = postgresGroupsInFlight ?? PostgresAppendOptions.DefaultGroupsInFlight });
        }
        services.AddSingleton<StreamStore>();
        return services;
    }

    /// <summary>
    /// When PostgreSQL is configured: takes ownership of the database's streams (one service per database; not on a
    /// cluster node, <see cref="ClusterMode"/>) and applies the catalog's migrations. Does nothing otherwise.
    /// </summary>
    public static async Task PreparePostgresAsync(this IServiceProvider services, CancellationToken cancellationToken)
    {
        if (services.GetService<IDbContextFactory<SluiceDbContext>>() is { } contexts)
        {
            // A cluster node shares the database with the other nodes: no single owner (docs/cluster.md).
            if (services.GetService<ClusterMode>() is null)
            {
                await services.GetRequiredService<StreamOwnership>().AcquireAsync(cancellationToken);
            }
            // Cluster nodes started together (scripts/cluster.sh) would otherwise both find the catalog missing and both create it.
            await using var migrating = services.GetService<ClusterMode>() is null ? null : await MigrationLock.TakeAsync(services.GetRequiredService<NpgsqlDataSource>(), cancellationToken);
            if (await CatalogSchemaVersion.IsCurrentAsync(services.GetRequiredService<NpgsqlDataSource>(), cancellationToken))
            {
                // Nothing to migrate: skip building EF's models for Migrate's checks (most of a cold start's migration step).
                return;
            }
            await using var db = await contexts.CreateDbContextAsync(cancellationToken);
            // Migrate reads the history table before creating it, and EF logs that read's failure on a new
            // database as an error (dotnet/efcore#37328); creating the table first keeps a first start quiet.
            await db.GetService<IHistoryRepository>().CreateIfNotExistsAsync(cancellationToken);
            await db.Database.MigrateAsync(cancellationToken);
        }
    }

    /// <summary>A session advisory lock held while one cluster node migrates the catalog; the others wait, then find nothing to do.</summary>
    private sealed class MigrationLock(NpgsqlConnection connection) : IAsyncDisposable
    {
        // "sluicemg" in ASCII.
        private const long Key = 0x736C_7569_6365_6D67;

        public static async Task<MigrationLock> TakeAsync(NpgsqlDataSource dataSource, CancellationToken cancellationToken)
        {
            var connection = await dataSource.OpenConnectionAsync(cancellationToken);
            // No command timeout: on a loaded machine another node's migration can take longer than the default 30 s.
            await using var take = new NpgsqlCommand($"SELECT pg_advisory_lock({Key})", connection) { CommandTimeout = 0 };
            await take.ExecuteNonQueryAsync(cancellationToken);
            return new MigrationLock(connection);
        }

        // Closing the session releases the lock, also when the unlock itself fails.
        public ValueTask DisposeAsync() => connection.DisposeAsync();
    }
}
