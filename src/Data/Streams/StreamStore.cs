using System.Collections.Concurrent;
using Sluice.Data.Cluster;

namespace Sluice.Data.Streams;

/// <summary>
/// The one entry point to streams: the catalog of definitions plus the engines holding events.
/// Endpoints, the query engine and the SignalR hub all go through it.
/// </summary>
public sealed class StreamStore
{
    private readonly IStreamCatalog catalog;
    private readonly Dictionary<StorageKind, IStreamEngine> engines;
    private readonly ConcurrentDictionary<string, StreamLog> logs = new(StringComparer.Ordinal);
    private readonly SemaphoreSlim catalogLock = new(1, 1);
    private readonly TimeProvider time;

    // Set on a cluster node, where other nodes change the catalog too (docs/cluster.md).
    private readonly ClusterMode? cluster;

    public StreamStore(IStreamCatalog catalog, IEnumerable<IStreamEngine> engines, TimeProvider time, ClusterMode? cluster = null)
    {
        this.catalog = catalog;
        this.cluster = cluster;
        this.engines = engines.ToDictionary(e => e.Kind);
        this.time = time;
    }

    public TimeProvider Time => time;

    public bool Supports(StorageKind storage) => engines.ContainsKey(storage);

    /// <summary>Loads the catalog and opens every stream's log; called once at start-up.</summary>
    public async Task InitializeAsync(CancellationToken cancellationToken)
    {
        foreach (var definition in await catalog.LoadAsync(cancellationToken))
        {
            if (engines.TryGetValue(definition.Storage, out var engine))
            {
                logs[definition.Name] = await engine.OpenAsync(definition, cancellationToken);
            }
        }
    }

    public async Task<CreateStreamOutcome> CreateAsync(StreamDefinition definition, CancellationToken cancellationToken)
    {
        if (!engines.TryGetValue(definition.Storage, out var engine))
        {
            return CreateStreamOutcome.StorageUnavailable;
        }
        await catalogLock.WaitAsync(cancellationToken);
        try
        {
            if (logs.ContainsKey(definition.Name) || !await catalog.TryAddAsync(definition, cancellationToken))
            {
                return CreateStreamOutcome.NameTaken;
            }
            try
            {
                logs[definition.Name] = await engine.CreateAsync(definition, cancellationToken);
            }
            catch
            {
                await catalog.RemoveAsync(definition.Name, CancellationToken.None);
                throw;
            }
            return CreateStreamOutcome.Created;
        }
        finally
        {
            catalogLock.Release();
        }
    }

    /// <summary>
    /// Gives an existing stream a new schema (a replaced query's output: its rows after the <c>reset</c> event have the new
    /// query's columns). The events already stored are not touched. False when there is no such stream.
    /// </summary>
    public async Task<bool> RedefineAsync(string name, IReadOnlyDictionary<string, FieldType>? schema, CancellationToken cancellationToken)
    {
        await catalogLock.WaitAsync(cancellationToken);
        try
        {
            if (!logs.TryGetValue(name, out var log))
            {
                return false;
            }
            var definition = log.Definition with { Schema = schema };
            await catalog.UpdateAsync(definition, cancellationToken);
            log.Definition = definition;
            await engines[definition.Storage].RedefinedAsync(definition, cancellationToken);
            return true;
        }
        finally
        {
            catalogLock.Release();
        }
    }

    /// <summary>
    /// Catches up with a catalog that other cluster nodes change (docs/cluster.md): opens the streams they created, closes
    /// the ones they deleted, reopens the ones they deleted and created again, and takes the schemas they redefined. Outside a cluster only this process changes the catalog and this finds nothing to do.
    /// </summary>
    public async Task SyncAsync(CancellationToken cancellationToken)
    {
        await catalogLock.WaitAsync(cancellationToken);
        try
        {
            var definitions = await catalog.LoadAsync(cancellationToken);
            var names = definitions.Select(d => d.Name).ToHashSet(StringComparer.Ordinal);
            foreach (var definition in definitions)
            {
                if (logs.TryGetValue(definition.Name, out var known))
                {
                    if (!StreamDefinitions.SameStream(known.Definition, definition))
                    {
                        // Deleted and created again elsewhere (both announcements read in one sync, or missed): the old log's
                        // head and tail belong to the old table, so it is closed and the new one opened with the head read afresh.
                        logs.TryRemove(definition.Name, out _);
                        known.Close(
                            $"Stream '{definition.Name}' started again, empty, at offset 0: it was deleted and created again on another node, " +
                            "or it is a memory stream whose owning node left the cluster, taking its events (docs/cluster.md).");
                    }
                    else
                    {
                        if (!StreamDefinitions.SameSchema(known.Definition.Schema, definition.Schema))
                        {
                            // Redefined elsewhere (a replaced query's output): readers here see the new columns from now on.
                            known.Definition = known.Definition with { Schema = definition.Schema };
                        }
                        continue;
                    }
                }
                if (engines.TryGetValue(definition.Storage, out var engine) && await engine.IsReadyAsync(definition, cancellationToken))
                {
                    logs[definition.Name] = await engine.OpenAsync(definition, cancellationToken);
                }
            }
            foreach (var (name, log) in logs)
            {
                if (!names.Contains(name) && logs.TryRemove(name, out _))
                {
                    log.Close();
                }
            }
        }
        finally
        {
            catalogLock.Release();
        }
    }

    public IReadOnlyList<StreamLog> List() => logs.Values.OrderBy(l => l.Definition.Name, StringComparer.Ordinal).ToList();

    public StreamLog? Find(string name) => logs.TryGetValue(name, out var log) ? log : null;

    /// <summary>True on a cluster node: other nodes create and delete streams in the same catalog.</summary>
    public bool CatalogShared => cluster is not null;

    /// <summary>
    /// The stream named <paramref name="name"/>, or null. On a cluster node a name unknown here makes the node read the
    /// shared catalog once before it answers: another node may have created the stream a moment ago, and its announcement
    /// not have arrived yet. So a client that created a stream through one node can use it through any other at once.
    /// </summary>
    public ValueTask<StreamLog?> FindAsync(string name, CancellationToken cancellationToken) =>
        logs.TryGetValue(name, out var log) || cluster is null ? ValueTask.FromResult(log) : FindAfterSyncAsync(name, cancellationToken);

    private async ValueTask<StreamLog?> FindAfterSyncAsync(string name, CancellationToken cancellationToken)
    {
        await SyncAsync(cancellationToken);
        return Find(name);
    }

    public async Task<bool> DeleteAsync(string name, CancellationToken cancellationToken)
    {
        await catalogLock.WaitAsync(cancellationToken);
        try
        {
            if (!logs.TryRemove(name, out var log))
            {
                return false;
            }
            await catalog.RemoveAsync(name, cancellationToken);
            await engines[log.Definition.Storage].DropAsync(log, cancellationToken);
            log.Close();
            return true;
        }
        finally
        {
            catalogLock.Release();
        }
    }

    public ValueTask<ReadOutcome> ReadAsync(string name, long from, int limit, CancellationToken cancellationToken) =>
        Find(name) is { } log ? log.ReadAsync(from, limit, cancellationToken) : ReadUnknownAsync(name, from, limit, cancellationToken);

    private async ValueTask<ReadOutcome> ReadUnknownAsync(string name, long from, int limit, CancellationToken cancellationToken) =>
        await FindAsync(name, cancellationToken) is { } log ? await log.ReadAsync(from, limit, cancellationToken) : new ReadOutcome.NotFound();
}
