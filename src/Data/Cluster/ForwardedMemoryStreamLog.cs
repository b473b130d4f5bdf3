using Sluice.Data.Streams;

namespace Sluice.Data.Cluster;

/// <summary>
/// A memory stream as a cluster node that does not own it sees it (docs/cluster.md, "Memory streams"): appends and reads
/// go to the owner, so offsets and answers are the owner's. The position is the last one the owner reported: a
/// follower loop waits at the owner for appends and moves it, which wakes this node's cursors (queries, SignalR
/// subscribers); they read the new events from the owner, once per range (the tail's store read).
/// </summary>
internal sealed class ForwardedMemoryStreamLog : StreamLog
{
    // After a failed wait (owner unreachable, or not started yet) the follower tries again this much later.
    private static readonly TimeSpan RetryDelay = TimeSpan.FromSeconds(1);

    private readonly IMemoryStreamOwners owners;
    private readonly CancellationTokenSource stopping = new();
    private long head;
    private long firstRetained;
    private int following;

    public ForwardedMemoryStreamLog(StreamDefinition definition, IMemoryStreamOwners owners)
        : base(definition)
    {
        this.owners = owners;
    }

    public override LogPosition Position
    {
        get
        {
            var current = Volatile.Read(ref head);
            return new LogPosition(current, Math.Min(current, Volatile.Read(ref firstRetained)));
        }
    }

    public override async ValueTask<AppendResult> AppendAsync(IReadOnlyList<NewEvent> events, CancellationToken cancellationToken) =>
        ((AppendOutcome.Appended)await AppendAsync(events, AppendConditions.None, cancellationToken)).Result;

    public override async ValueTask<AppendOutcome> AppendAsync(IReadOnlyList<NewEvent> events, AppendConditions conditions, CancellationToken cancellationToken)
    {
        Follow();
        var (outcome, position) = await owners.AppendAsync(Definition, events, conditions, cancellationToken);
        Observe(position);
        return outcome;
    }

    public override async ValueTask<ReadOutcome> ReadAsync(long from, int limit, CancellationToken cancellationToken)
    {
        Follow();
        var outcome = await owners.ReadAsync(Definition, from, limit, cancellationToken);
        if (outcome is ReadOutcome.Events { Position: var position })
        {
            Observe(position);
        }
        return outcome;
    }

    /// <summary>Asks the owner for its position (a describe, a query taking the stream as input); a failure leaves the last known one.</summary>
    public override async ValueTask RefreshHeadAsync(CancellationToken cancellationToken)
    {
        Follow();
        try
        {
            Observe(await owners.PositionAsync(Definition, cancellationToken));
        }
        catch (StorageUnavailableException)
        {
            // The owner is unreachable: readers keep what they know, and its next answer moves them on.
        }
    }

    /// <summary>Stops following the owner (the stream was deleted here).</summary>
    internal void StopFollowing() => stopping.Cancel();

    /// <summary>Takes a position the owner reported: the head only moves forward, and readers are woken when it does.</summary>
    private void Observe(LogPosition position)
    {
        var seen = Volatile.Read(ref firstRetained);
        while (position.FirstRetainedOffset > seen)
        {
            var was = Interlocked.CompareExchange(ref firstRetained, position.FirstRetainedOffset, seen);
            if (was == seen)
            {
                break;
            }
            seen = was;
        }
        var current = Volatile.Read(ref head);
        while (position.HeadOffset > current)
        {
            var was = Interlocked.CompareExchange(ref head, position.HeadOffset, current);
            if (was == current)
            {
                NotifyAppended();
                return;
            }
            current = was;
        }
    }

    /// <summary>
    /// Starts the follower on first use rather than when the log is opened: logs are opened at start-up before this node
    /// has joined the cluster, and a stream nobody here uses costs nothing.
    /// </summary>
    private void Follow()
    {
        if (Interlocked.Exchange(ref following, 1) == 0)
        {
            _ = FollowAsync();
        }
    }

    private async Task FollowAsync()
    {
        // Off the caller's stack: the first request that touched the log should not run the loop's first steps.
        await Task.Yield();
        var stop = stopping.Token;
        while (!stop.IsCancellationRequested && !IsClosed)
        {
            try
            {
                if (await owners.WaitForAppendAsync(Definition, Volatile.Read(ref head), stop) is not { } position)
                {
                    // This incarnation is gone (deleted, or started again empty elsewhere): the catalog sync closes this log.
                    return;
                }
                Observe(position);
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
                return;
            }
            catch (Exception)
            {
                // The owner is unreachable (or died and is not yet declared dead): ask again shortly.
                try
                {
                    await Task.Delay(RetryDelay, stop);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
        }
    }
}
