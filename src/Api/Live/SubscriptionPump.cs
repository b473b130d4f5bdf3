using System.Threading.Channels;
using Microsoft.AspNetCore.SignalR;
using Sluice.Data.Streams;

namespace Sluice.Api.Live;

/// <summary>
/// Moves one subscriber's events from a stream's log into its bounded buffer. One cursor does both
/// replay and live delivery: read by offset until the head, wait on the log's tail signal, read on
/// from the next offset. So there is no seam between the two and no event is skipped or repeated,
/// whatever appends run meanwhile.
/// <para>
/// Overflow policy: the log is the real buffer, so a full subscriber buffer holds up nobody: appends
/// never wait for pumps, and each pump reads the log on its own. A pump whose buffer is full waits at
/// most <c>stallTimeout</c> for room (so a client replaying a long backlog is paced by its connection
/// instead of failing at once), then ends the subscription with an error naming the offset to resume
/// from. A stalled client therefore costs at most one full buffer, for a bounded time.
/// </para>
/// </summary>
internal static class SubscriptionPump
{
    public static async Task<SubscriptionEnd> RunAsync(
        StreamLog log, long next, ChannelWriter<LiveEvent> writer, int batchSize, TimeSpan stallTimeout, CancellationToken cancellationToken,
        TailCache? shared = null, LiveEventCache? encoded = null, Action<Exception>? onFailure = null)
    {
        var name = log.Definition.Name;
        try
        {
            while (true)
            {
                var outcome = shared is null
                    ? await log.ReadAsync(next, batchSize, cancellationToken)
                    : await shared.ReadAsync(next, batchSize, cancellationToken);
                if (outcome is ReadOutcome.Gone gone)
                {
                    writer.TryComplete(new HubException(
                        $"subscriber fell behind; offset {next} of stream '{name}' was evicted; resume from the first retained offset {gone.FirstRetainedOffset}"));
                    return SubscriptionEnd.Evicted;
                }
                if (outcome is not ReadOutcome.Events { Items: var items })
                {
                    writer.TryComplete(new HubException($"Stream '{name}' was deleted."));
                    return SubscriptionEnd.StreamDeleted;
                }
                if (items.Count == 0)
                {
                    if (log.IsClosed)
                    {
                        writer.TryComplete(new HubException($"Stream '{name}' was deleted."));
                        return SubscriptionEnd.StreamDeleted;
                    }
                    await log.WaitForOffsetAsync(next, cancellationToken);
                    continue;
                }
                foreach (var stored in items)
                {
                    var live = encoded is null ? LiveEvent.From(stored) : encoded.Get(stored);
                    if (!writer.TryWrite(live) && !await WriteWithinAsync(writer, live, stallTimeout, cancellationToken))
                    {
                        writer.TryComplete(new HubException($"subscriber fell behind; resume from offset {stored.Offset}"));
                        return SubscriptionEnd.FellBehind;
                    }
                }
                next = items[^1].Offset + 1;
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // The client cancelled the stream or disconnected.
            writer.TryComplete();
            return SubscriptionEnd.Cancelled;
        }
        catch (Exception ex)
        {
            onFailure?.Invoke(ex);
            writer.TryComplete(ex);
            return SubscriptionEnd.Failed;
        }
    }

    /// <summary>Waits up to <paramref name="stallTimeout"/> for room in a full buffer; false when none came.</summary>
    private static async ValueTask<bool> WriteWithinAsync(ChannelWriter<LiveEvent> writer, LiveEvent live, TimeSpan stallTimeout, CancellationToken cancellationToken)
    {
        if (stallTimeout <= TimeSpan.Zero)
        {
            return false;
        }
        using var stall = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        stall.CancelAfter(stallTimeout);
        try
        {
            while (await writer.WaitToWriteAsync(stall.Token))
            {
                if (writer.TryWrite(live))
                {
                    return true;
                }
            }
            return false;
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return false;
        }
    }
}

/// <summary>Why a subscription ended; a tag on the <c>sluice.live.subscriptions.ended</c> counter.</summary>
internal enum SubscriptionEnd
{
    Cancelled,
    FellBehind,
    Evicted,
    StreamDeleted,
    Failed,
}
