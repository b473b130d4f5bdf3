using Npgsql;
using Sluice.Data.Cluster;
using Sluice.Data.Streams;

namespace Sluice.Data.Postgres;

/// <summary>Keeps each postgres stream's events in its own append-only table, written through Npgsql directly.</summary>
/// <param name="cluster">Set on a cluster node: logs append under PostgreSQL's lock and announce appends (docs/cluster.md); the single-owner guard is not used.</param>
/// <param name="appends">How groups of appends are written in single-service mode; the defaults when not given.</param>
public sealed class PostgresStreamEngine(
    NpgsqlDataSource dataSource, TimeProvider time, IdempotencyOptions idempotency, StreamOwnership ownership, ClusterMode? cluster = null,
    PostgresAppendOptions? appends = null)
    : IStreamEngine, IDisposable
{
    private readonly AppendKeyPruner pruner = new(dataSource, time, idempotency.Window, cluster is null ? ownership : null);

    // A cluster node never takes the single-owner guard: its logs check the stream's lock in PostgreSQL instead.
    private StreamOwnership? Guard => cluster is null ? ownership : null;

    private int GroupsInFlight => appends?.GroupsInFlight ?? PostgresAppendOptions.DefaultGroupsInFlight;

    public StorageKind Kind => StorageKind.Postgres;

    public async Task<StreamLog> CreateAsync(StreamDefinition definition, CancellationToken cancellationToken)
    {
        await EventTables.CreateAsync(dataSource, definition.Name, cancellationToken);
        await AnnounceCatalogChangeAsync(cancellationToken);
        return new PostgresStreamLog(definition, dataSource, time, head: 0, Guard, idempotency.Window, cluster, GroupsInFlight);
    }

    public async Task<StreamLog> OpenAsync(StreamDefinition definition, CancellationToken cancellationToken)
    {
        // A catalog row without its table (dropped by hand) opens as an empty stream rather than failing start-up.
        if (!await EventTables.ExistsAsync(dataSource, definition.Name, cancellationToken))
        {
            await EventTables.CreateAsync(dataSource, definition.Name, cancellationToken);
        }
        var head = await EventTables.ReadHeadAsync(dataSource, definition.Name, cancellationToken);
        return new PostgresStreamLog(definition, dataSource, time, head, Guard, idempotency.Window, cluster, GroupsInFlight);
    }

    public Task<bool> IsReadyAsync(StreamDefinition definition, CancellationToken cancellationToken) =>
        EventTables.ExistsAsync(dataSource, definition.Name, cancellationToken);

    public async Task DropAsync(StreamLog log, CancellationToken cancellationToken)
    {
        await ((PostgresStreamLog)log).DropAsync(cancellationToken);
        await AnnounceCatalogChangeAsync(cancellationToken);
    }

    public Task RedefinedAsync(StreamDefinition definition, CancellationToken cancellationToken) => AnnounceCatalogChangeAsync(cancellationToken);

    /// <summary>Tells the other cluster nodes that a stream was created, dropped or redefined (they then re-read the catalog).</summary>
    private async Task AnnounceCatalogChangeAsync(CancellationToken cancellationToken)
    {
        if (cluster is null)
        {
            return;
        }
        await using var command = dataSource.CreateCommand("SELECT pg_notify($1, $2)");
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = ClusterMode.Channel });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = StreamAnnouncements.CatalogChanged });
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    public void Dispose() => pruner.Dispose();
}
