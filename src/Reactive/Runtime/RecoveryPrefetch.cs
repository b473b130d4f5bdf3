using System.Collections.Concurrent;
using Sluice.Data.Queries;

namespace Sluice.Reactive.Runtime;

/// <summary>
/// What recovery reads from the catalog, read ahead (docs/durability.md, "Recovery"): the stored queries, then the
/// checkpoint of each running one, all at once, started as soon as the catalog's schema is current and while the stream
/// store is still opening the streams. <see cref="QueryRegistry.RecoverAsync"/> then takes them instead of reading them
/// one query after another. Nothing writes a query's definition or checkpoint before recovery has resumed it (no run is
/// started and no request served until then), so what was read ahead is what a read at that point would return.
/// </summary>
internal sealed class RecoveryPrefetch
{
    private readonly ConcurrentDictionary<string, Task<StoredCheckpoint?>> checkpoints = new(StringComparer.Ordinal);

    public RecoveryPrefetch(IQueryCatalog catalog)
    {
        Queries = ReadAsync(catalog);
    }

    /// <summary>The stored queries, as <see cref="IQueryCatalog.LoadAsync"/> lists them.</summary>
    public Task<IReadOnlyList<StoredQuery>> Queries { get; }

    /// <summary>The checkpoint read ahead for <paramref name="query"/>, handed out once; null when none was read for it.</summary>
    public Task<StoredCheckpoint?>? Take(string query) => checkpoints.TryRemove(query, out var read) ? read : null;

    private async Task<IReadOnlyList<StoredQuery>> ReadAsync(IQueryCatalog catalog)
    {
        // Not cancellable: recovery awaits it with its own token, and an abandoned start lets the process end it.
        var stored = await catalog.LoadAsync(CancellationToken.None);
        foreach (var query in stored.Where(q => q.Running))
        {
            // Each on its own connection, so the blobs of several queries arrive together.
            checkpoints[query.Name] = Task.Run(() => catalog.LoadCheckpointAsync(query.Name, CancellationToken.None));
        }
        return stored;
    }
}
