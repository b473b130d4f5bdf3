using Sluice.Data.Streams;

namespace Sluice.Data.Memory;

/// <summary>
/// A bounded ring of events. Writers take one lock per stream to assign offsets and fill slots,
/// then publish the new head; readers take no lock at all: they copy slots and check each slot's
/// offset, so an event overwritten while they copied is detected and reported as evicted (410).
/// </summary>
internal sealed class MemoryStreamLog : StreamLog
{
    private readonly StoredEvent?[] ring;
    private readonly Lock appendLock = new();
    private readonly TimeProvider time;
    private long head;

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
            return new LogPosition(current, Math.Max(0, current - ring.Length));
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
            for (var i = 0; i < events.Count; i++)
            {
                var offset = first + i;
                ring[offset % ring.Length] = new StoredEvent(offset, events[i].Timestamp, ingestedAt, events[i].Data);
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
                return ValueTask.FromResult<ReadOutcome>(new ReadOutcome.Gone(Position.FirstRetainedOffset));
            }
            items[offset - from] = slot;
        }
        return ValueTask.FromResult<ReadOutcome>(new ReadOutcome.Events(items, position));
    }
}
