using Sluice.Data.Streams;

namespace Sluice.Data.Memory;

/// <summary>
/// A bounded ring of events. Writers take one lock per stream to assign offsets and fill slots,
/// then publish the new head; readers take no lock at all: they copy slots, then check that the first retained offset
/// has not passed what they copied, so an event overwritten while they copied is detected and reported as evicted (410).
/// The writer raises <see cref="firstRetained"/> before it overwrites slots, so a reader that copied an overwritten
/// (or half-written) slot always sees a first retained offset past it afterwards.
/// <para>
/// Each retained event is a 32-byte <see cref="EventSlot"/> in a <see cref="SlotRing"/> and its payload a range of a
/// <see cref="PayloadSlabs"/> slab: no object per event. The ring allocates its slots as it fills (up to the capacity),
/// and every byte it holds, slots and whole slabs, is counted against the <see cref="MemoryStreamBudget"/> shared by all
/// memory streams.
/// </para>
/// </summary>
internal sealed class MemoryStreamLog : StreamLog
{
    /// <summary>Slots a new stream starts with (or its capacity, when smaller).</summary>
    internal const int InitialSlots = SlotRing.InitialSlots;

    private readonly int capacity;
    private readonly Lock appendLock = new();
    private readonly TimeProvider time;
    private readonly MemoryAppendKeys keys;
    private readonly MemoryStreamBudget budget;
    private readonly SlotRing ring;
    private readonly PayloadSlabs slabs;
    private long head;
    private long firstRetained;
    private long heldBytes;
    private int[] payloadLengths = [];

    public MemoryStreamLog(StreamDefinition definition, TimeProvider time, TimeSpan idempotencyWindow)
        : this(definition, time, idempotencyWindow, MemoryStreamBudget.Unlimited, reopening: false)
    {
    }

    /// <param name="reopening">A stream reopened at start-up takes its first slots even past the budget: it existed before.</param>
    public MemoryStreamLog(StreamDefinition definition, TimeProvider time, TimeSpan idempotencyWindow, MemoryStreamBudget budget, bool reopening)
        : base(definition)
    {
        capacity = definition.Capacity ?? StreamDefinition.DefaultCapacity;
        var bytes = (long)Math.Min(capacity, InitialSlots) * MemoryStreamBudget.SlotBytes;
        if (reopening)
        {
            budget.ReserveAnyway(bytes);
        }
        else
        {
            budget.Reserve(bytes, definition.Name);
        }
        ring = new SlotRing(capacity);
        slabs = new PayloadSlabs(capacity, budget);
        heldBytes = bytes;
        this.budget = budget;
        this.time = time;
        keys = new MemoryAppendKeys(idempotencyWindow);
    }

    /// <summary>Slots allocated now (grows with the events, up to the capacity).</summary>
    internal int AllocatedSlots => ring.AllocatedSlots;

    /// <summary>Bytes this stream holds of the budget.</summary>
    internal long HeldBytes => Interlocked.Read(ref heldBytes);

    /// <summary>The stream's payload slabs: how many were allocated and reused, and the bytes pooled for reuse now (not part of <see cref="HeldBytes"/>).</summary>
    internal (long Allocated, long Reused, long PooledBytes) SlabCounts
    {
        get
        {
            lock (appendLock)
            {
                return (slabs.AllocatedSlabs, slabs.ReusedSlabs, slabs.PooledBytes);
            }
        }
    }

    /// <summary>Bytes of the payload slabs this stream holds (part of <see cref="HeldBytes"/>).</summary>
    internal long SlabBytes
    {
        get
        {
            lock (appendLock)
            {
                return slabs.HeldBytes;
            }
        }
    }

    /// <summary>Gives the stream's bytes back to the budget; called once, when the stream is deleted.</summary>
    internal void ReleaseBudget()
    {
        lock (appendLock)
        {
            budget.Release(heldBytes);
            Interlocked.Exchange(ref heldBytes, 0);
            slabs.Close();
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
                slabs.FreeBelow(evictedBelow);
                var followed = Tail.IsFollowed(first);
                for (var i = 0; i < events.Count; i++)
                {
                    var offset = first + i;
                    if (offset < evictedBelow)
                    {
                        // Evicted by its own batch (a batch larger than the capacity): never stored, never read.
                        continue;
                    }
                    var slot = new EventSlot(slabs.Copy(events[i].Data.Span, offset), events[i].Timestamp, ingestedAt, events[i].Op);
                    ring[offset] = slot;
                    if (followed || events[i].Memo is not null)
                    {
                        // Otherwise the event gets its tail entry from the first cursor that reads it (ReadsInPlace).
                        KeepInTail(slot.ToStored(offset), events[i].Memo);
                    }
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

    internal override bool ReadsInPlace => true;

    public override bool CopiesAppendedData => true;

    internal override int ReadHeld(long from, Span<StoredEvent?> into, out long retainedFrom)
    {
        var position = Position;
        retainedFrom = position.FirstRetainedOffset;
        if (from < retainedFrom)
        {
            return -1;
        }
        var count = (int)Math.Clamp(position.HeadOffset - from, 0, into.Length);
        if (count == 0)
        {
            return 0;
        }
        var slots = System.Buffers.ArrayPool<EventSlot>.Shared.Rent(count);
        try
        {
            // As ReadAsync: copy the slots, then check that the first retained offset has not passed them.
            for (var i = 0; i < count; i++)
            {
                slots[i] = ring[from + i];
            }
            Interlocked.MemoryBarrier();
            retainedFrom = Volatile.Read(ref firstRetained);
            if (retainedFrom > from)
            {
                return -1;
            }
            for (var i = 0; i < count; i++)
            {
                into[i] = slots[i].ToStored(from + i);
            }
            return count;
        }
        finally
        {
            // The slots hold payload references: a pooled array must not keep slabs alive.
            Array.Clear(slots, 0, count);
            System.Buffers.ArrayPool<EventSlot>.Shared.Return(slots);
        }
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
        // Read after the head (Position): the ring has the segments of every offset below it.
        var slots = new EventSlot[end - from];
        for (var offset = from; offset < end; offset++)
        {
            slots[offset - from] = ring[offset];
        }
        // A full fence between the copies and the check: if an append overwrote (or was writing) any slot we copied, it
        // had raised the first retained offset past it before, and we see that now. Then none of the copies is used.
        Interlocked.MemoryBarrier();
        var retained = Volatile.Read(ref firstRetained);
        if (retained > from)
        {
            return ValueTask.FromResult<ReadOutcome>(new ReadOutcome.Gone(retained));
        }
        var items = new StoredEvent[slots.Length];
        for (var i = 0; i < slots.Length; i++)
        {
            items[i] = slots[i].ToStored(from + i);
        }
        return ValueTask.FromResult<ReadOutcome>(new ReadOutcome.Events(items, position));
    }

    /// <summary>
    /// Under the append lock, before anything changes: takes from the budget what the batch adds (the slabs its retained
    /// payloads need, and the slots the ring grows by) less the slabs its evictions free, or throws and leaves the stream
    /// as it was. Then grows the ring if the batch needs more slots.
    /// </summary>
    private void ReserveFor(IReadOnlyList<NewEvent> events, long first, long evictedBelow)
    {
        var skipped = (int)Math.Clamp(evictedBelow - first, 0, events.Count);
        if (payloadLengths.Length < events.Count - skipped)
        {
            payloadLengths = new int[Math.Max(events.Count - skipped, payloadLengths.Length * 2)];
        }
        for (var i = skipped; i < events.Count; i++)
        {
            payloadLengths[i - skipped] = events[i].Data.Length;
        }
        var end = first + events.Count;
        var delta = slabs.BytesToAdd(payloadLengths.AsSpan(0, events.Count - skipped))
            - slabs.BytesFreedBelow(evictedBelow)
            + (long)ring.SlotsToAdd(end) * MemoryStreamBudget.SlotBytes;
        if (delta > 0)
        {
            budget.Reserve(delta, Definition.Name);
        }
        else
        {
            budget.Release(-delta);
        }
        Interlocked.Add(ref heldBytes, delta);
        ring.GrowFor(end);
    }
}
