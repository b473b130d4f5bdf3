namespace Sluice.Data.Queries;

/// <summary>
/// Where query definitions, checkpoints and input journals are kept: nowhere without PostgreSQL
/// (<see cref="MemoryQueryCatalog"/>: queries do not survive a restart), in the catalog database with it.
/// </summary>
public interface IQueryCatalog
{
    /// <summary>True when what is saved here survives a restart of the service.</summary>
    bool IsDurable { get; }

    Task<IReadOnlyList<StoredQuery>> LoadAsync(CancellationToken cancellationToken);

    /// <summary>Inserts or replaces the definition of <see cref="StoredQuery.Name"/>.</summary>
    Task SaveAsync(StoredQuery query, CancellationToken cancellationToken);

    /// <summary>
    /// Replaces the definition of <see cref="StoredQuery.Name"/> and removes its checkpoint and journal, all at once
    /// (one transaction in PostgreSQL): a crash leaves either the old query with its progress or the new one starting afresh.
    /// </summary>
    Task ReplaceAsync(StoredQuery query, CancellationToken cancellationToken);

    /// <summary>Records whether the query runs (a user's start or stop).</summary>
    Task SetRunningAsync(string name, bool running, CancellationToken cancellationToken);

    /// <summary>Removes the definition, its checkpoint and its journal.</summary>
    Task RemoveAsync(string name, CancellationToken cancellationToken);

    /// <summary>Removes the checkpoint and the journal: the query's next run starts afresh.</summary>
    Task ResetProgressAsync(string name, CancellationToken cancellationToken);

    /// <summary>Appends journal entries durably (they are committed when this completes).</summary>
    Task AppendJournalAsync(string name, IReadOnlyList<JournalEntry> entries, CancellationToken cancellationToken);

    /// <summary>The journal entries after <paramref name="afterSequence"/>, in sequence order.</summary>
    Task<IReadOnlyList<JournalEntry>> ReadJournalAsync(string name, long afterSequence, CancellationToken cancellationToken);

    /// <summary>Replaces the query's checkpoint and drops the journal entries it includes.</summary>
    Task SaveCheckpointAsync(StoredCheckpoint checkpoint, CancellationToken cancellationToken);

    Task<StoredCheckpoint?> LoadCheckpointAsync(string name, CancellationToken cancellationToken);

    /// <summary>
    /// <see cref="AppendJournalAsync(string, IReadOnlyList{JournalEntry}, CancellationToken)"/>, refused unless the query's owner
    /// epoch is still <paramref name="fence"/> (a cluster node whose query moved elsewhere must not write; docs/cluster.md).
    /// </summary>
    Task AppendJournalAsync(string name, IReadOnlyList<JournalEntry> entries, long fence, CancellationToken cancellationToken) =>
        AppendJournalAsync(name, entries, cancellationToken);

    /// <summary><see cref="SaveCheckpointAsync(StoredCheckpoint, CancellationToken)"/>, refused unless the query's owner epoch is still <paramref name="fence"/>.</summary>
    Task SaveCheckpointAsync(StoredCheckpoint checkpoint, long fence, CancellationToken cancellationToken) =>
        SaveCheckpointAsync(checkpoint, cancellationToken);
}
