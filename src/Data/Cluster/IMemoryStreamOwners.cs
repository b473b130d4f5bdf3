using Sluice.Data.Streams;

namespace Sluice.Data.Cluster;

/// <summary>
/// How a cluster node reaches the node that owns a memory stream (docs/cluster.md, "Memory streams"): one owner per
/// stream holds its events, and the other nodes forward appends and reads to it. Implemented over Orleans by the API.
/// Each call names the stream's definition as the caller knows it: its <see cref="StreamDefinition.CreatedAt"/> is the
/// incarnation, which changes when the stream is deleted and created again, or starts again empty after its owner died.
/// The calls throw <see cref="StorageUnavailableException"/> (503) when the owner does not answer or holds another incarnation.
/// </summary>
public interface IMemoryStreamOwners
{
    /// <summary>Makes sure the stream has an owner (this node, when none holds it yet) and returns that node's name.</summary>
    Task<string> ClaimAsync(StreamDefinition definition, CancellationToken cancellationToken);

    /// <summary>Appends at the owner; the outcome and the owner's position right after.</summary>
    Task<(AppendOutcome Outcome, LogPosition Position)> AppendAsync(
        StreamDefinition definition, IReadOnlyList<NewEvent> events, AppendConditions conditions, CancellationToken cancellationToken);

    /// <summary>Reads a range at the owner, with the same answer a read there gets.</summary>
    Task<ReadOutcome> ReadAsync(StreamDefinition definition, long from, int limit, CancellationToken cancellationToken);

    /// <summary>The owner's position now.</summary>
    Task<LogPosition> PositionAsync(StreamDefinition definition, CancellationToken cancellationToken);

    /// <summary>
    /// Waits (a bounded time) at the owner for the head to move past <paramref name="head"/>; the owner's position then, or
    /// null when this incarnation of the stream is gone (deleted, or started again elsewhere): the caller stops following.
    /// </summary>
    Task<LogPosition?> WaitForAppendAsync(StreamDefinition definition, long head, CancellationToken cancellationToken);

    /// <summary>Tells the owner the stream was deleted: it lets the events go.</summary>
    Task DropAsync(StreamDefinition definition, CancellationToken cancellationToken);
}
