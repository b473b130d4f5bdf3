using System.Collections.Concurrent;
using Npgsql;
using Sluice.Data.Memory;
using Sluice.Data.Streams;

namespace Sluice.Data.Cluster;

/// <summary>
/// The memory engine of a cluster node (docs/cluster.md, "Memory streams"): each memory stream has one owning node, which
/// holds its events in an ordinary memory ring; every other node opens a <see cref="ForwardedMemoryStreamLog"/> that
/// sends appends and reads there. The node that creates a stream owns it. When the owner is gone (it died or stopped),
/// the first node to reach the stream's owner grain takes it over through <see cref="TakeOwnershipAsync"/>: the events
/// were memory and are gone, so it starts the stream again empty, as a restart of a single service does, under a new
/// incarnation (a new <c>createdAt</c> in the catalog) so that every node reopens it and old cursors end.
/// </summary>
public sealed class ClusterMemoryStreamEngine(
    MemoryStreamEngine local, IMemoryStreamOwners owners, IStreamCatalog catalog, NpgsqlDataSource dataSource, TimeProvider time, ClusterMode cluster)
    : IStreamEngine
{
    // The rings this node owns, by stream name; a closed one (its stream deleted or reopened) no longer counts.
    private readonly ConcurrentDictionary<string, StreamLog> owned = new(StringComparer.Ordinal);

    public StorageKind Kind => StorageKind.Memory;

    public async Task<StreamLog> CreateAsync(StreamDefinition definition, CancellationToken cancellationToken)
    {
        var log = await local.CreateAsync(definition, cancellationToken);
        owned[definition.Name] = log;
        string owner;
        try
        {
            // Activates the stream's grain here (it prefers the calling node), which adopts the ring just made.
            owner = await owners.ClaimAsync(definition, cancellationToken);
        }
        catch
        {
            await ReleaseAsync(definition.Name, log);
            throw;
        }
        if (owner != cluster.NodeName)
        {
            // Another node reached the grain first (it saw the catalog row before this call): it owns the stream.
            await ReleaseAsync(definition.Name, log);
            log = new ForwardedMemoryStreamLog(definition, owners);
        }
        await AnnounceCatalogChangeAsync(cancellationToken);
        return log;
    }

    // Opened at start-up or when another node created or restarted the stream: this node owns it only if it made the ring.
    public Task<StreamLog> OpenAsync(StreamDefinition definition, CancellationToken cancellationToken) =>
        Task.FromResult(Owned(definition.Name) is { } log && StreamDefinitions.SameStream(log.Definition, definition)
            ? log
            : new ForwardedMemoryStreamLog(definition, owners));

    public async Task DropAsync(StreamLog log, CancellationToken cancellationToken)
    {
        if (log is ForwardedMemoryStreamLog forwarded)
        {
            forwarded.StopFollowing();
        }
        else
        {
            await ReleaseAsync(log.Definition.Name, log);
        }
        try
        {
            await owners.DropAsync(log.Definition, cancellationToken);
        }
        catch (StorageUnavailableException)
        {
            // The owner is unreachable; if it died its events are gone already, and nobody asks for a deleted stream's grain.
        }
        await AnnounceCatalogChangeAsync(cancellationToken);
    }

    public Task RedefinedAsync(StreamDefinition definition, CancellationToken cancellationToken) => AnnounceCatalogChangeAsync(cancellationToken);

    /// <summary>The ring this node holds for <paramref name="stream"/>, or null when it does not own it.</summary>
    public StreamLog? Owned(string stream) => owned.TryGetValue(stream, out var log) && !log.IsClosed ? log : null;

    /// <summary>
    /// Called by the stream's owner grain when it activates on this node: the ring this node just created, or else (the
    /// previous owner is gone) a new empty ring under a new incarnation, written to the catalog and announced, after which
    /// <paramref name="store"/> here holds it. Null when the catalog has no such memory stream (deleted) or another node
    /// restarted it meanwhile.
    /// </summary>
    public async Task<StreamLog?> TakeOwnershipAsync(string stream, StreamStore store, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(store);
        if (Owned(stream) is { } log)
        {
            return log;
        }
        var definitions = await catalog.LoadAsync(cancellationToken);
        if (definitions.FirstOrDefault(d => d.Name == stream && d.Storage == StorageKind.Memory) is not { } definition)
        {
            return null;
        }
        var restarted = definition with { CreatedAt = NextIncarnation(definition.CreatedAt) };
        var ring = await local.OpenAsync(restarted, cancellationToken);
        owned[stream] = ring;
        if (!await RenewAsync(definition, restarted.CreatedAt, cancellationToken))
        {
            await ReleaseAsync(stream, ring);
            return null;
        }
        // Closes the old incarnation's log here (its cursors end) and opens ours.
        await store.SyncAsync(cancellationToken);
        await AnnounceCatalogChangeAsync(cancellationToken);
        return ring;
    }

    /// <summary>Lets the ring of a deleted stream go (its owner grain is told of the deletion).</summary>
    public async Task ReleaseAsync(string stream)
    {
        if (owned.TryRemove(stream, out var log))
        {
            await local.DropAsync(log, CancellationToken.None);
        }
    }

    private async Task ReleaseAsync(string stream, StreamLog log)
    {
        if (owned.TryRemove(new KeyValuePair<string, StreamLog>(stream, log)))
        {
            await local.DropAsync(log, CancellationToken.None);
        }
    }

    // Later than the last incarnation, at the catalog's microsecond precision so that the catalog reads back the same instant.
    private DateTimeOffset NextIncarnation(DateTimeOffset previous)
    {
        var now = time.GetUtcNow();
        var ticks = Math.Max(now.UtcTicks, previous.UtcTicks + TimeSpan.TicksPerMillisecond);
        return new DateTimeOffset(ticks - ticks % 10, TimeSpan.Zero);
    }

    /// <summary>Moves the catalog's incarnation of the stream on, unless another node did first (or it was deleted).</summary>
    private async Task<bool> RenewAsync(StreamDefinition previous, DateTimeOffset createdAt, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("UPDATE streams SET created_at = $1 WHERE name = $2 AND storage = 'memory' AND created_at = $3");
        command.Parameters.Add(new NpgsqlParameter<DateTimeOffset> { TypedValue = createdAt });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = previous.Name });
        command.Parameters.Add(new NpgsqlParameter<DateTimeOffset> { TypedValue = previous.CreatedAt.ToUniversalTime() });
        return await command.ExecuteNonQueryAsync(cancellationToken) == 1;
    }

    /// <summary>Tells the other nodes that the stream catalog changed (they re-read it: docs/cluster.md).</summary>
    private async Task AnnounceCatalogChangeAsync(CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("SELECT pg_notify($1, $2)");
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = ClusterMode.Channel });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = StreamAnnouncements.CatalogChanged });
        await command.ExecuteNonQueryAsync(cancellationToken);
    }
}
