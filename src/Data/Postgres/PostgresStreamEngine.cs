using Npgsql;
using Sluice.Data.Streams;

namespace Sluice.Data.Postgres;

/// <summary>Keeps each postgres stream's events in its own append-only table, written through Npgsql directly.</summary>
public sealed class PostgresStreamEngine(NpgsqlDataSource dataSource, TimeProvider time, IdempotencyOptions idempotency, StreamOwnership ownership)
    : IStreamEngine, IDisposable
{
    private readonly AppendKeyPruner pruner = new(dataSource, time, idempotency.Window, ownership);

    public StorageKind Kind => StorageKind.Postgres;

    public async Task<StreamLog> CreateAsync(StreamDefinition definition, CancellationToken cancellationToken)
    {
        await EventTables.CreateAsync(dataSource, definition.Name, cancellationToken);
        return new PostgresStreamLog(definition, dataSource, time, head: 0, ownership, idempotency.Window);
    }

    public async Task<StreamLog> OpenAsync(StreamDefinition definition, CancellationToken cancellationToken)
    {
        // A catalog row without its table (dropped by hand) opens as an empty stream rather than failing start-up.
        if (!await EventTables.ExistsAsync(dataSource, definition.Name, cancellationToken))
        {
            await EventTables.CreateAsync(dataSource, definition.Name, cancellationToken);
        }
        var head = await EventTables.ReadHeadAsync(dataSource, definition.Name, cancellationToken);
        return new PostgresStreamLog(definition, dataSource, time, head, ownership, idempotency.Window);
    }

    public Task DropAsync(StreamLog log, CancellationToken cancellationToken) => ((PostgresStreamLog)log).DropAsync(cancellationToken);

    public void Dispose() => pruner.Dispose();
}
