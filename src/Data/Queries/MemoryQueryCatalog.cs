namespace Sluice.Data.Queries;

/// <summary>Without PostgreSQL: nothing is kept, so queries, their state and memory streams' events end with the process.</summary>
public sealed class MemoryQueryCatalog : IQueryCatalog
{
    public bool IsDurable => false;

    public Task<IReadOnlyList<StoredQuery>> LoadAsync(CancellationToken cancellationToken) => Task.FromResult<IReadOnlyList<StoredQuery>>([]);

    public Task SaveAsync(StoredQuery query, CancellationToken cancellationToken) => Task.CompletedTask;

    public Task ReplaceAsync(StoredQuery query, CancellationToken cancellationToken) => Task.CompletedTask;

    public Task SetRunningAsync(string name, bool running, CancellationToken cancellationToken) => Task.CompletedTask;

    public Task RemoveAsync(string name, CancellationToken cancellationToken) => Task.CompletedTask;

    public Task ResetProgressAsync(string name, CancellationToken cancellationToken) => Task.CompletedTask;

    public Task AppendJournalAsync(string name, IReadOnlyList<JournalEntry> entries, CancellationToken cancellationToken) => Task.CompletedTask;

    public Task<IReadOnlyList<JournalEntry>> ReadJournalAsync(string name, long afterSequence, CancellationToken cancellationToken) =>
        Task.FromResult<IReadOnlyList<JournalEntry>>([]);

    public Task SaveCheckpointAsync(StoredCheckpoint checkpoint, CancellationToken cancellationToken) => Task.CompletedTask;

    public Task<StoredCheckpoint?> LoadCheckpointAsync(string name, CancellationToken cancellationToken) => Task.FromResult<StoredCheckpoint?>(null);
}
