using Orleans.Concurrency;
using Orleans.Placement;
using Sluice.Data.Cluster;
using Sluice.Data.Streams;

namespace Sluice.Api.Cluster;

/// <summary>
/// The owner of one memory stream (keyed by its name): it lives on the node that holds the stream's events, and every
/// other node forwards appends and reads to it (docs/cluster.md, "Memory streams"). Calls name the incarnation the caller
/// knows (its definition's <c>createdAt</c>, in ticks); another one gets <see cref="OwnerAnswer.Restarted"/>.
/// </summary>
public interface IMemoryStreamGrain : IGrainWithStringKey
{
    Task<OwnerPosition> ClaimAsync(long incarnation);

    Task<ForwardedAppend> AppendAsync(long incarnation, ForwardedEvent[] events, ForwardedConditions conditions);

    Task<ForwardedRead> ReadAsync(long incarnation, long from, int limit);

    Task<OwnerPosition> PositionAsync(long incarnation);

    Task<OwnerPosition> WaitForAppendAsync(long incarnation, long head);

    Task DropAsync(long incarnation);
}

/// <summary>
/// Placed on the node that first calls it: the node creating the stream calls it before anyone else knows the stream, so
/// the creator owns it. Kept alive while its node lives (its events are its node's memory, not grain state that could move);
/// when the node dies, the next call from any node activates it there, and that node starts the stream again empty
/// (<see cref="ClusterMemoryStreamEngine.TakeOwnershipAsync"/>). Reentrant: the ring is safe for concurrent use, and a
/// follower's wait must not hold up appends.
/// </summary>
[PreferLocalPlacement]
[Reentrant]
[KeepAlive]
internal sealed class MemoryStreamGrain(ClusterMemoryStreamEngine engine, StreamStore store, ClusterMode cluster, ILogger<MemoryStreamGrain> logger)
    : Grain, IMemoryStreamGrain
{
    /// <summary>How long a follower's wait is held before it is answered with no news (well inside Orleans' 30 s response timeout).</summary>
    internal static readonly TimeSpan WaitLimit = TimeSpan.FromSeconds(10);

    // Taking the stream over writes the catalog once; concurrent first calls wait for that one.
    private readonly SemaphoreSlim taking = new(1, 1);

    private string Stream => this.GetPrimaryKeyString();

    public async Task<OwnerPosition> ClaimAsync(long incarnation) => Answer(await HeldAsync(incarnation));

    public async Task<ForwardedAppend> AppendAsync(long incarnation, ForwardedEvent[] events, ForwardedConditions conditions)
    {
        var held = await HeldAsync(incarnation);
        if (held.Log is not { } log)
        {
            return ForwardedAppend.Unanswered(Answer(held));
        }
        var outcome = await log.AppendAsync(Array.ConvertAll(events, e => new NewEvent(e.Timestamp, e.Data)), conditions.ToConditions(), CancellationToken.None);
        return ForwardedAppend.From(Answer(held), outcome);
    }

    public async Task<ForwardedRead> ReadAsync(long incarnation, long from, int limit)
    {
        var held = await HeldAsync(incarnation);
        if (held.Log is not { } log)
        {
            return new ForwardedRead(Answer(held), [], null);
        }
        return await log.ReadAsync(from, limit, CancellationToken.None) switch
        {
            ReadOutcome.Events events => new ForwardedRead(
                new OwnerPosition(OwnerAnswer.Held, events.Position.HeadOffset, events.Position.FirstRetainedOffset, cluster.NodeName),
                events.Items.Select(ForwardedStoredEvent.From).ToArray(), null),
            ReadOutcome.Gone gone => new ForwardedRead(Answer(held), [], gone.FirstRetainedOffset),
            _ => new ForwardedRead(Answer(held) with { Answer = OwnerAnswer.NotFound }, [], null),
        };
    }

    public async Task<OwnerPosition> PositionAsync(long incarnation) => Answer(await HeldAsync(incarnation));

    public async Task<OwnerPosition> WaitForAppendAsync(long incarnation, long head)
    {
        var held = await HeldAsync(incarnation);
        if (held.Log is { } log)
        {
            using var limit = new CancellationTokenSource(WaitLimit);
            try
            {
                await log.WaitForOffsetAsync(head, limit.Token);
            }
            catch (OperationCanceledException) when (limit.IsCancellationRequested)
            {
                // No append within the limit: the follower asks again.
            }
        }
        return Answer(held);
    }

    public async Task DropAsync(long incarnation)
    {
        if (engine.Owned(Stream) is { } log && SameIncarnation(log, incarnation))
        {
            await engine.ReleaseAsync(Stream);
        }
        DeactivateOnIdle();
    }

    /// <summary>The ring of the incarnation asked for, taking the stream over first when this node does not hold it yet.</summary>
    private async Task<Held> HeldAsync(long incarnation)
    {
        var log = engine.Owned(Stream);
        if (log is null)
        {
            await taking.WaitAsync();
            try
            {
                log = engine.Owned(Stream);
                if (log is null && (log = await engine.TakeOwnershipAsync(Stream, store, CancellationToken.None)) is not null)
                {
                    logger.LogWarning(
                        "Node {Node} now owns memory stream {Stream}: its previous owner is gone, and the events it held with it; the stream starts again empty.",
                        cluster.NodeName, Stream);
                }
            }
            finally
            {
                taking.Release();
            }
        }
        if (log is null)
        {
            DeactivateOnIdle();
            return new Held(null, OwnerAnswer.NotFound, null);
        }
        return SameIncarnation(log, incarnation) ? new Held(log, OwnerAnswer.Held, log) : new Held(null, OwnerAnswer.Restarted, log);
    }

    private OwnerPosition Answer(Held held)
    {
        var position = held.Current?.Position ?? default;
        return new OwnerPosition(held.Answer, position.HeadOffset, position.FirstRetainedOffset, cluster.NodeName);
    }

    // The catalog keeps createdAt to the microsecond; the creating node holds it in ticks.
    private static bool SameIncarnation(StreamLog log, long incarnation) => Math.Abs(log.Definition.CreatedAt.UtcTicks - incarnation) <= 10;

    /// <param name="Log">The ring, when it is the incarnation asked for.</param>
    /// <param name="Answer">Whether this node holds the incarnation asked for.</param>
    /// <param name="Current">The ring this node holds, whatever its incarnation.</param>
    private readonly record struct Held(StreamLog? Log, OwnerAnswer Answer, StreamLog? Current);
}
