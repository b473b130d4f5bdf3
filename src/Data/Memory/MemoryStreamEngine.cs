using Sluice.Data.Streams;

namespace Sluice.Data.Memory;

/// <summary>Keeps each stream's most recent events in a bounded in-process ring, all rings within one <see cref="MemoryStreamBudget"/>.</summary>
public sealed class MemoryStreamEngine(TimeProvider time, IdempotencyOptions idempotency, MemoryStreamBudget budget) : IStreamEngine
{
    public MemoryStreamEngine(TimeProvider time)
        : this(time, new IdempotencyOptions(), MemoryStreamBudget.Unlimited)
    {
    }

    public StorageKind Kind => StorageKind.Memory;

    public Task<StreamLog> CreateAsync(StreamDefinition definition, CancellationToken cancellationToken) =>
        Task.FromResult<StreamLog>(new MemoryStreamLog(definition, time, idempotency.Window, budget, reopening: false));

    // Memory streams start empty after a restart; only their definition survives (when the catalog is durable).
    public Task<StreamLog> OpenAsync(StreamDefinition definition, CancellationToken cancellationToken) =>
        Task.FromResult<StreamLog>(new MemoryStreamLog(definition, time, idempotency.Window, budget, reopening: true));

    public Task DropAsync(StreamLog log, CancellationToken cancellationToken)
    {
        ((MemoryStreamLog)log).ReleaseBudget();
        return Task.CompletedTask;
    }
}
