using Sluice.Data.Streams;

namespace Sluice.Data.Memory;

/// <summary>
/// A bounded ring of events. Writers take one lock per stream to assign offsets and fill slots,
/// then publish the new head; readers take no lock at all: they copy slots and check each slot's
/// offset, so an event overwritten while they copied is detected and reported as evicted (410).
/// The writer raises <see cref="firstRetained"/> before it overwrites slots, so a reader that
/// finds an overwritten slot always sees a first retained offset past it.
/// </summary>
internal sealed class MemoryStreamLog : StreamLog
{
    private readonly StoredEvent?[] ring;
    private readonly Lock appendLock = new();
    private readonly TimeProvider time;
    private long head;
    private long firstRetained;

    public MemoryStreamLog(StreamDefinition definition, TimeProvider time)
        : base(definition)
    {
        ring = new StoredEvent?[definition.Capacity ?? StreamDefinition.DefaultCapacity];
        this.time = time;
    }

    public override LogPosition Position
    {
        get
        {
            var current = Volatile.Read(ref head);
            return new LogPosition(current, Math.Min(current, Volatile.Read(ref firstRetained)));
        }
    }

    public override ValueTask<AppendResult> AppendAsync(IReadOnlyList<NewEvent> events, CancellationToken cancellationToken)
    {
        if (events.Count == 0)
        {
            var at = Volatile.Read(ref head);
            return ValueTask.FromResult(new AppendResult(at, at - 1, 0));
        }
        long first;
        lock (appendLock)
        {
            var ingestedAt = time.GetUtcNow();
            first = head;
            var evictedBelow = Math.Max(0, first + events.Count - ring.Length);
            if (evictedBelow > firstRetained)
            {
                // A full fence: readers must see the new boundary before any overwritten slot.
                Interlocked.Exchange(ref firstRetained, evictedBelow);
            }
            for (var i = 0; i < events.Count; i++)
            {
                var offset = first + i;
                var stored = new StoredEvent(offset, events[i].Timestamp, ingestedAt, events[i].Data);
                ring[offset % ring.Length] = stored;
                KeepInTail(stored, events[i].Memo);
            }
            Volatile.Write(ref head, first + events.Count);
        }
        NotifyAppended();
        return ValueTask.FromResult(new AppendResult(first, first + events.Count - 1, events.Count));
    }

    public override ValueTask<ReadOutcome> ReadAsync(long from, int limit, CancellationToken cancellationToken)
    {
        var position = Position;
        if (from < position.FirstRetainedOffset)
        {
            return ValueTask.FromResult<ReadOutcome>(new ReadOutcome.Gone(position.FirstRetainedOffset));
        }
        var end = Math.Min(position.HeadOffset, from + (long)limit);
        if (end <= from)
        {
            return ValueTask.FromResult<ReadOutcome>(new ReadOutcome.Events([], position));
        }
        var items = new StoredEvent[end - from];
        for (var offset = from; offset < end; offset++)
        {
            var slot = Volatile.Read(ref ring[offset % ring.Length]);
            if (slot is null || slot.Offset != offset)
            {
                // Overwritten by appends that ran while we copied: the range start is gone.
                return ValueTask.FromResult<ReadOutcome>(new ReadOutcome.Gone(Volatile.Read(ref firstRetained)));
            }
            items[offset - from] = slot;
        }
        return ValueTask.FromResult<ReadOutcome>(new ReadOutcome.Events(items, position));
    }
}
