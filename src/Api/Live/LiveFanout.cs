using Sluice.Api.Limits;
using Sluice.Data.Streams;

namespace Sluice.Api.Live;

/// <summary>
/// Delivers a stream's new events to every subscriber waiting at its head, with one wake-up and one read per append
/// however many subscribers there are, instead of one per subscriber. A subscription's pump hands itself over here when
/// its cursor reaches the head (<see cref="SubscriptionPump"/>) and takes over again when the fan-out cannot go on for it.
/// </summary>
/// <remarks>
/// The fan-out never waits for a subscriber: an event that does not fit into a subscriber's buffer (or its share of
/// <c>Limits:SubscriberBytes</c>) hands that subscriber back to its own pump, with the offset it stopped at, and the pump
/// applies the stall policy exactly as before. So each subscriber still gets every offset once, in order, from exactly one
/// writer at a time: the fan-out writes to a subscriber only between a join and the hand-back that ends it.
/// One per stream log, kept with the stream's live encodings (<see cref="TailMemo{T}.Shared{TState}"/>).
/// </remarks>
internal sealed class LiveFanout(StreamLog log, TailMemo<LiveEvent> encodings, int readBatchSize)
{
    private readonly Lock sync = new();
    private readonly HashSet<HeadSubscriber> members = [];
    private HeadSubscriber[]? snapshot;
    private bool running;
    // The offset the fan-out delivers next; a subscriber can join only at or after it (guarded by sync).
    private long next;

    private long rounds;

    /// <summary>Reads of the stream the fan-out made, each delivering to all its subscribers (tests count them).</summary>
    public long Rounds => Interlocked.Read(ref rounds);

    /// <summary>Subscribers it delivers to now.</summary>
    public int Subscribers
    {
        get
        {
            lock (sync)
            {
                return members.Count;
            }
        }
    }

    /// <summary>
    /// Takes <paramref name="subscriber"/> at its <see cref="HeadSubscriber.Next"/> offset; false when the fan-out has
    /// already passed that offset (the subscriber's own cursor has events to read, so it reads them and tries again).
    /// </summary>
    public bool TryJoin(HeadSubscriber subscriber)
    {
        bool start;
        lock (sync)
        {
            if (running && subscriber.Next < next)
            {
                return false;
            }
            start = !running;
            if (start)
            {
                running = true;
                next = subscriber.Next;
            }
            subscriber.Join();
            members.Add(subscriber);
            snapshot = null;
        }
        if (start)
        {
            _ = RunAsync();
        }
        return true;
    }

    /// <summary>The subscription ended while joined (its client left).</summary>
    public void Leave(HeadSubscriber subscriber)
    {
        lock (sync)
        {
            if (members.Remove(subscriber))
            {
                snapshot = null;
            }
        }
    }

    private async Task RunAsync()
    {
        // Leave the pump that started the fan-out.
        await Task.Yield();
        StreamCursor cursor;
        lock (sync)
        {
            cursor = log.OpenCursor(next);
        }
        try
        {
            while (true)
            {
                lock (sync)
                {
                    if (members.Count == 0)
                    {
                        running = false;
                        return;
                    }
                }
                switch (await cursor.TryReadAsync(readBatchSize, CancellationToken.None))
                {
                    case CursorRead.Empty:
                        await log.WaitForOffsetAsync(cursor.Next, CancellationToken.None);
                        break;
                    case CursorRead.Events { Entries: var entries }:
                        Deliver(entries, cursor.Next);
                        break;
                    default:
                        // Evicted past, or the stream is gone: each pump reads that from its own cursor and ends its
                        // subscription with the right message.
                        HandBackAll();
                        return;
                }
            }
        }
        catch (Exception)
        {
            // Whatever went wrong here, the pumps can still deliver on their own.
            HandBackAll();
        }
    }

    private void Deliver(IReadOnlyList<TailEntry> entries, long after)
    {
        Interlocked.Increment(ref rounds);
        var events = new LiveEvent[entries.Count];
        for (var i = 0; i < events.Length; i++)
        {
            events[i] = encodings.GetOrAdd(entries[i], static (stored, _) => LiveEvent.From(stored), 0);
        }
        HeadSubscriber[] receivers;
        lock (sync)
        {
            // Moved together with the snapshot: a subscriber that joins after this takes only what comes after.
            next = after;
            receivers = snapshot ??= [.. members];
        }
        foreach (var subscriber in receivers)
        {
            if (!subscriber.TryWrite(events))
            {
                HandBack(subscriber);
            }
        }
    }

    private void HandBack(HeadSubscriber subscriber)
    {
        lock (sync)
        {
            if (members.Remove(subscriber))
            {
                snapshot = null;
            }
        }
        subscriber.HandBack();
    }

    private void HandBackAll()
    {
        HeadSubscriber[] all;
        lock (sync)
        {
            all = [.. members];
            members.Clear();
            snapshot = null;
            running = false;
        }
        foreach (var subscriber in all)
        {
            subscriber.HandBack();
        }
    }
}

/// <summary>One subscription as the <see cref="LiveFanout"/> of its stream sees it while it waits at the head.</summary>
internal sealed class HeadSubscriber(System.Threading.Channels.ChannelWriter<LiveEvent> writer, SubscriberShare? share)
{
    private TaskCompletionSource handedBack = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>The offset this subscriber needs next: where it joins, and where its pump resumes when handed back.</summary>
    public long Next { get; set; }

    public void Join() => handedBack = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Completes when the fan-out hands the subscriber back to its pump.</summary>
    public Task HandedBack => handedBack.Task;

    public void HandBack() => handedBack.TrySetResult();

    /// <summary>Buffers the events from <see cref="Next"/> on without waiting; false at the first that does not fit.</summary>
    public bool TryWrite(LiveEvent[] events)
    {
        foreach (var live in events)
        {
            if (live.Offset < Next)
            {
                continue;
            }
            if (share is not null && !share.TryTake(live.Json.Length))
            {
                return false;
            }
            if (!writer.TryWrite(live))
            {
                share?.Return(live.Json.Length);
                return false;
            }
            Next = live.Offset + 1;
        }
        return true;
    }
}
