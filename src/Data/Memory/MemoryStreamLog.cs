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
    private readonly MemoryAppendKeys keys;
    private long head;
    private long firstRetained;

    public MemoryStreamLog(StreamDefinition definition, TimeProvider time, TimeSpan idempotencyWindow)
        : base(definition)
    {
        ring = new StoredEvent?[definition.Capacity ?? StreamDefinition.DefaultCapacity];
        this.time = time;
        keys = new MemoryAppendKeys(idempotencyWindow);
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
        // Without conditions the only outcome is Appended.
        ((AppendOutcome.Appended)await AppendAsync(events, AppendConditions.None, cancellationToken)).Result;

    public override ValueTask<AppendOutcome> AppendAsync(IReadOnlyList<NewEvent> events, AppendConditions conditions, CancellationToken cancellationToken)
    {
        AppendResult result;
        lock (appendLock)
        {
            var ingestedAt = time.GetUtcNow();
            if (conditions.Key is { } key && keys.TryGet(key.Value, ingestedAt, out var remembered))
            {
                return ValueTask.FromResult<AppendOutcome>(key.SameRequestAs(remembered.RequestHash)
                    ? new AppendOutcome.Appended(remembered.Result, Replayed: true)
                    : new AppendOutcome.KeyReused(key.Value));
            }
            var first = head;
            if (conditions.ExpectedOffset is { } expected && expected != first)
            {
                return ValueTask.FromResult<AppendOutcome>(new AppendOutcome.OffsetMismatch(expected, first));
            }
            if (events.Count > 0)
            {
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
            result = new AppendResult(first, first + events.Count - 1, events.Count);
            if (conditions.Key is { } added)
            {
                keys.Add(added, result, ingestedAt);
            }
        }
        if (events.Count > 0)
        {
            NotifyAppended();
        }
        return ValueTask.FromResult<AppendOutcome>(new AppendOutcome.Appended(result, Replayed: false));
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
