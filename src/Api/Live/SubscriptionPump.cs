using System.Threading.Channels;
using Microsoft.AspNetCore.SignalR;
using Sluice.Api.Limits;
using Sluice.Data.Streams;

namespace Sluice.Api.Live;

/// <summary>
/// Moves one subscriber's events from a stream cursor into its bounded buffer. The cursor does both
/// replay and live delivery, so there is no seam between the two and no event is skipped or repeated,
/// whatever appends run meanwhile. Each event is encoded for the wire once, as a memo on the stream's
/// tail entry, and that encoding is shared by every subscriber that sends it. With <c>fanOutAtHead</c> (the hub's
/// subscriptions), a pump whose cursor reaches the head hands delivery over to the stream's <see cref="LiveFanout"/>, which
/// wakes once per append for all such subscribers, and takes it back when the fan-out stops for it.
/// <para>
/// Overflow policy: the log is the real buffer, so a full subscriber buffer holds up nobody: appends
/// never wait for pumps, and each pump reads through its own cursor. A pump whose buffer is full waits at
/// most <c>stallTimeout</c> for room (so a client replaying a long backlog is paced by its connection
/// instead of failing at once), then ends the subscription with an error naming the offset to resume
/// from. A stalled client therefore costs at most one full buffer, for a bounded time. Buffers are bounded in bytes too:
/// all subscribers together within <c>Limits:SubscriberBytes</c>, each within its share of it (<see cref="SubscriberShare"/>),
/// with the same stall timeout before a subscriber over its share is ended.
/// </para>
/// </summary>
internal static class SubscriptionPump
{
    /// <summary>The memo under which a stream's events keep their wire encoding, shared by all its subscribers.</summary>
    public const string EncodingMemo = "live.event";

    public static async Task<SubscriptionEnd> RunAsync(
        StreamCursor cursor, ChannelWriter<LiveEvent> writer, int batchSize, TimeSpan stallTimeout, CancellationToken cancellationToken,
        Action<Exception>? onFailure = null, SubscriberShare? share = null, bool fanOutAtHead = false)
    {
        var name = cursor.Log.Definition.Name;
        var encodings = cursor.Log.Tail.Memo<LiveEvent>(EncodingMemo);
        var fanout = fanOutAtHead ? Fanout(cursor.Log, batchSize) : null;
        HeadSubscriber? atHead = null;
        try
        {
            while (true)
            {
                var read = fanout is null ? await cursor.ReadAsync(batchSize, cancellationToken) : await cursor.TryReadAsync(batchSize, cancellationToken);
                switch (read)
                {
                    case CursorRead.Empty:
                        // At the head: the stream's fan-out delivers from here until it hands this subscriber back (its
                        // buffer was full, or the stream ended), then this pump goes on from where the fan-out stopped.
                        atHead ??= new HeadSubscriber(writer, share);
                        atHead.Next = cursor.Next;
                        if (fanout!.TryJoin(atHead))
                        {
                            try
                            {
                                await atHead.HandedBack.WaitAsync(cancellationToken);
                            }
                            finally
                            {
                                fanout.Leave(atHead);
                            }
                            if (atHead.Next != cursor.Next)
                            {
                                cursor = cursor.Log.OpenCursor(atHead.Next);
                            }
                        }
                        break;
                    case CursorRead.Skipped skipped:
                        writer.TryComplete(new HubException(
                            $"subscriber fell behind; offset {skipped.From} of stream '{name}' was evicted; resume from the first retained offset {skipped.To}"));
                        return SubscriptionEnd.Evicted;
                    case CursorRead.Events { Entries: var entries }:
                        foreach (var entry in entries)
                        {
                            var live = encodings.GetOrAdd(entry, static (stored, _) => LiveEvent.From(stored), 0);
                            if (share is not null && !share.TryTake(live.Json.Length) && !await share.TakeWithinAsync(live.Json.Length, stallTimeout, cancellationToken))
                            {
                                writer.TryComplete(new HubException(
                                    $"subscriber fell behind; its buffer holds {share.Held:N0} bytes not yet sent, its share of Limits:SubscriberBytes " +
                                    $"({share.Budget.Limit:N0} bytes across {share.Budget.Subscriptions} subscriptions); resume from offset {entry.Offset}"));
                                return SubscriptionEnd.OverBudget;
                            }
                            if (!writer.TryWrite(live) && !await WriteWithinAsync(writer, live, stallTimeout, cancellationToken))
                            {
                                share?.Return(live.Json.Length);
                                writer.TryComplete(new HubException($"subscriber fell behind; resume from offset {entry.Offset}"));
                                return SubscriptionEnd.FellBehind;
                            }
                        }
                        break;
                    default:
                        writer.TryComplete(new HubException(cursor.Log.ClosedReason ?? $"Stream '{name}' was deleted."));
                        return SubscriptionEnd.StreamDeleted;
                }
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

    /// <summary>The fan-out of <paramref name="log"/>'s new events to its subscribers at the head: one per stream log.</summary>
    public static LiveFanout Fanout(StreamLog log, int readBatchSize)
    {
        var encodings = log.Tail.Memo<LiveEvent>(EncodingMemo);
        return encodings.Shared(() => new LiveFanout(log, encodings, readBatchSize));
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
    /// <summary>Its buffer held its share of <c>Limits:SubscriberBytes</c> for longer than the stall timeout.</summary>
    OverBudget,
    Evicted,
    StreamDeleted,
    Failed,
}
