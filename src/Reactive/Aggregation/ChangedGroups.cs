namespace Sluice.Reactive.Aggregation;

/// <summary>
/// The groups one input batch has changed so far (mini-batching, GroupAggregateSink): each with the row it emitted
/// before the batch (what its flush retracts) and the event time of the last row that changed it (what the flushed
/// rows carry). Reused from batch to batch; cleared at each flush so it keeps no group or row alive.
/// </summary>
internal sealed class ChangedGroups
{
    private Entry[] entries = new Entry[64];
    // Keys of groups the batch emptied (and the table released), by their slot: a row bringing the key back in the
    // same batch continues that slot, so the flush compares with what was emitted before the batch.
    private Dictionary<GroupKey, int>? emptied;

    public int Count { get; private set; }

    /// <summary>A watermark that arrived while the batch held changes: forwarded after them, at the flush.</summary>
    public long? HeldWatermark { get; set; }

    public ref Entry this[int index] => ref entries[index];

    /// <summary>Remembers <paramref name="group"/>, changed for the first time in this batch, and the row it emitted before.</summary>
    public void Add(AggregateGroup group, object?[]? lastEmitted, long time)
    {
        if (Count == entries.Length)
        {
            Array.Resize(ref entries, entries.Length * 2);
        }
        entries[Count] = new Entry(group, lastEmitted, time);
        group.BatchSlot = ++Count;
    }

    /// <summary>Notes that the group in <paramref name="slot"/> (1-based) lost its last row and left the table.</summary>
    public void Emptied(in GroupKey key, int slot) => (emptied ??= [])[key] = slot;

    /// <summary>
    /// When the batch emptied the group of <paramref name="key"/>, gives its slot to <paramref name="group"/> (born
    /// again with that key): the flush then emits one pair from the row before the batch to the new one, or nothing.
    /// </summary>
    public bool TryRevive(in GroupKey key, AggregateGroup group, long time)
    {
        if (emptied is not { Count: > 0 } || !emptied.Remove(key, out var slot))
        {
            return false;
        }
        ref var entry = ref entries[slot - 1];
        entry = new Entry(group, entry.LastEmitted, time);
        group.BatchSlot = slot;
        return true;
    }

    public void Clear()
    {
        Array.Clear(entries, 0, Count);
        Count = 0;
        emptied?.Clear();
    }

    public struct Entry(AggregateGroup group, object?[]? lastEmitted, long time)
    {
        public readonly AggregateGroup Group = group;
        public readonly object?[]? LastEmitted = lastEmitted;
        public long Time = time;
    }
}
