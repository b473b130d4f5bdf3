using Sluice.Data.Streams;

namespace Sluice.Data.Memory;

/// <summary>
/// A bounded ring of events. Writers take one lock per stream to assign offsets and fill slots,
/// then publish the new head; readers take no lock at all: they copy slots and check each slot's
/// offset, so an event overwritten while they copied is detected and reported as evicted (410).
/// The writer raises <see cref="firstRetained"/> before it overwrites slots, so a reader that
/// finds an overwritten slot always sees a first retained offset past it.
/// <para>
/// The ring grows as it fills (doubling, up to the capacity) instead of reserving the capacity up front, and every
/// byte it holds is counted against the <see cref="MemoryStreamBudget"/> shared by all memory streams. While the ring
/// is smaller than the capacity nothing has been evicted, so an event's slot is its offset in the old ring and the
/// new alike: the writer copies the slots, publishes the new ring, then the head, so a reader that saw a head sees
/// a ring holding it.
/// </para>
/// </summary>
internal sealed class MemoryStreamLog : StreamLog
{
    /// <summary>Slots a new stream starts with (or its capacity, when smaller).</summary>
    internal const int InitialSlots = 1_024;

    private readonly int capacity;
    private readonly Lock appendLock = new();
    private readonly TimeProvider time;
    private readonly MemoryAppendKeys keys;
    private readonly MemoryStreamBudget budget;
    private StoredEvent?[] ring;
    private long head;
    private long firstRetained;
    private long heldBytes;

    public MemoryStreamLog(StreamDefinition definition, TimeProvider time, TimeSpan idempotencyWindow)
        : this(definition, time, idempotencyWindow, MemoryStreamBudget.Unlimited, reopening: false)
    {
    }

    /// <param name="reopening">A stream reopened at start-up takes its first slots even past the budget: it existed before.</param>
    public MemoryStreamLog(StreamDefinition definition, TimeProvider time, TimeSpan idempotencyWindow, MemoryStreamBudget budget, bool reopening)
        : base(definition)
    {
        capacity = definition.Capacity ?? StreamDefinition.DefaultCapacity;
        var slots = Math.Min(capacity, InitialSlots);
        var bytes = (long)slots * MemoryStreamBudget.SlotBytes;
        if (reopening)
        {
            budget.ReserveAnyway(bytes);
        }
        else
        {
            budget.Reserve(bytes, definition.Name);
        }
        ring = new StoredEvent?[slots];
        heldBytes = bytes;
        this.budget = budget;
        this.time = time;
        keys = new MemoryAppendKeys(idempotencyWindow);
    }

    /// <summary>Slots allocated now (grows with the events, up to the capacity).</summary>
    internal int AllocatedSlots => Volatile.Read(ref ring).Length;

    /// <summary>Bytes this stream holds of the budget.</summary>
    internal long HeldBytes => Interlocked.Read(ref heldBytes);

    /// <summary>Gives the stream's bytes back to the budget; called once, when the stream is deleted.</summary>
    internal void ReleaseBudget()
    {
        lock (appendLock)
        {
            budget.Release(heldBytes);
            Interlocked.Exchange(ref heldBytes, 0);
        }
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
                var evictedBelow = Math.Max(0, first + events.Count - capacity);
                ReserveFor(events, first, evictedBelow);
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
        // Read after the head (Position): a ring at least as new as the one that head was published with.
        var slots = Volatile.Read(ref ring);
        for (var offset = from; offset < end; offset++)
        {
            var slot = Volatile.Read(ref slots[offset % slots.Length]);
            if (slot is null || slot.Offset != offset)
            {
                // Overwritten by appends that ran while we copied: the range start is gone.
                return ValueTask.FromResult<ReadOutcome>(new ReadOutcome.Gone(Volatile.Read(ref firstRetained)));
            }
            items[offset - from] = slot;
        }
        return ValueTask.FromResult<ReadOutcome>(new ReadOutcome.Events(items, position));
    }

    /// <summary>
    /// Under the append lock, before anything changes: takes from the budget what the batch adds (the events that will
    /// still be retained, and the slots the ring grows by) less what it evicts, or throws and leaves the stream as it was.
    /// Then grows the ring if the batch needs more slots.
    /// </summary>
    private void ReserveFor(IReadOnlyList<NewEvent> events, long first, long evictedBelow)
    {
        long delta = 0;
        for (var i = (int)Math.Max(0, evictedBelow - first); i < events.Count; i++)
        {
            delta += MemoryStreamBudget.EventBytes(events[i].Data);
        }
        for (var offset = firstRetained; offset < Math.Min(first, evictedBelow); offset++)
        {
            if (ring[offset % ring.Length] is { } evicted)
            {
                delta -= MemoryStreamBudget.EventBytes(evicted.Data);
            }
        }
        var slots = ring.Length;
        var needed = (int)Math.Min(capacity, first + events.Count);
        var grown = slots;
        while (grown < needed)
        {
            grown = (int)Math.Min(capacity, grown * 2L);
        }
        delta += (long)(grown - slots) * MemoryStreamBudget.SlotBytes;
        if (delta > 0)
        {
            budget.Reserve(delta, Definition.Name);
        }
        else
        {
            budget.Release(-delta);
        }
        Interlocked.Add(ref heldBytes, delta);
        if (grown > slots)
        {
            // Nothing wrapped yet (the ring was below capacity), so slot i holds offset i in both rings.
            var larger = new StoredEvent?[grown];
            Array.Copy(ring, larger, (int)Math.Min(first, slots));
            Volatile.Write(ref ring, larger);
        }
    }
}
