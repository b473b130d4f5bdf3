using Sluice.Data.Streams;

namespace Sluice.Data.Memory;

/// <summary>Keeps each stream's most recent events in a bounded in-process ring.</summary>
public sealed class MemoryStreamEngine(TimeProvider time, IdempotencyOptions idempotency) : IStreamEngine
{
    public MemoryStreamEngine(TimeProvider time)
        : this(time, new IdempotencyOptions())
    {
    }

    public StorageKind Kind => StorageKind.Memory;

    public Task<StreamLog> CreateAsync(StreamDefinition definition, CancellationToken cancellationToken) =>
        Task.FromResult<StreamLog>(new MemoryStreamLog(definition, time, idempotency.Window));

    // Memory streams start empty after a restart; only their definition survives (when the catalog is durable).
    public Task<StreamLog> OpenAsync(StreamDefinition definition, CancellationToken cancellationToken) =>
        CreateAsync(definition, cancellationToken);

    public Task DropAsync(StreamLog log, CancellationToken cancellationToken) => Task.CompletedTask;
}
