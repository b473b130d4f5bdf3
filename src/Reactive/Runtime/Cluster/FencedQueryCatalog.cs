using Sluice.Data.Queries;

namespace Sluice.Reactive.Runtime.Cluster;

/// <summary>
/// The catalog as one run of a query hosted by a cluster node sees it: its journal and checkpoint writes carry the owner
/// epoch the node took the query with, so PostgreSQL refuses them once the query has moved to another node (docs/cluster.md).
/// </summary>
internal sealed class FencedQueryCatalog(IQueryCatalog inner, long epoch) : IQueryCatalog
{
    public long Epoch => epoch;

    public bool IsDurable => inner.IsDurable;

    public Task<IReadOnlyList<StoredQuery>> LoadAsync(CancellationToken cancellationToken) => inner.LoadAsync(cancellationToken);

    public Task SaveAsync(StoredQuery query, CancellationToken cancellationToken) => inner.SaveAsync(query, cancellationToken);

    public Task ReplaceAsync(StoredQuery query, CancellationToken cancellationToken) => inner.ReplaceAsync(query, cancellationToken);

    public Task SetRunningAsync(string name, bool running, CancellationToken cancellationToken) => inner.SetRunningAsync(name, running, cancellationToken);

    public Task RemoveAsync(string name, CancellationToken cancellationToken) => inner.RemoveAsync(name, cancellationToken);

    public Task ResetProgressAsync(string name, CancellationToken cancellationToken) => inner.ResetProgressAsync(name, cancellationToken);

    public Task AppendJournalAsync(string name, IReadOnlyList<JournalEntry> entries, CancellationToken cancellationToken) =>
        inner.AppendJournalAsync(name, entries, epoch, cancellationToken);

    public Task<IReadOnlyList<JournalEntry>> ReadJournalAsync(string name, long afterSequence, CancellationToken cancellationToken) =>
        inner.ReadJournalAsync(name, afterSequence, cancellationToken);

    public Task SaveCheckpointAsync(StoredCheckpoint checkpoint, CancellationToken cancellationToken) =>
        inner.SaveCheckpointAsync(checkpoint, epoch, cancellationToken);

    public Task<StoredCheckpoint?> LoadCheckpointAsync(string name, CancellationToken cancellationToken) => inner.LoadCheckpointAsync(name, cancellationToken);
}
