using Sluice.Reactive.Operators;

namespace Sluice.Reactive.Aggregation;

/// <summary>
/// The rows a mini-batching GROUP BY has received and not yet applied, oldest first (a ring of <see cref="Capacity"/>):
/// each with its key's values, its key once hashed, and the input event it came from (for a row error found when it is
/// applied). Looking a few rows ahead lets the operator start loading a row's key string, table slot and group before
/// it needs them (GroupAggregateSink, docs/engine.md "Mini-batching").
/// </summary>
internal sealed class PendingRows
{
    /// <summary>How many rows can wait (a power of two).</summary>
    public const int Capacity = 16;

    private readonly Entry[] entries = new Entry[Capacity];

    /// <summary>Rows received so far (the sequence number the next one gets).</summary>
    public long Received { get; private set; }

    /// <summary>Rows applied so far (the sequence number of the oldest waiting one).</summary>
    public long Applied { get; private set; }

    public int Count => (int)(Received - Applied);

    /// <summary>The row of sequence number <paramref name="sequence"/> (between <see cref="Applied"/> and <see cref="Received"/>).</summary>
    public ref Entry this[long sequence] => ref entries[sequence & (Capacity - 1)];

    /// <summary>Room for one more row, cleared (the caller keeps <see cref="Count"/> below <see cref="Capacity"/>).</summary>
    public ref Entry Add()
    {
        ref var entry = ref entries[Received & (Capacity - 1)];
        entry = default;
        Received++;
        return ref entry;
    }

    /// <summary>Takes the oldest waiting row out, leaving its place cleared (so it keeps no row alive).</summary>
    public Entry TakeOldest()
    {
        ref var slot = ref entries[Applied & (Capacity - 1)];
        var entry = slot;
        slot = default;
        Applied++;
        return entry;
    }

    /// <summary>Drops every waiting row (the operator failed).</summary>
    public void Clear()
    {
        Array.Clear(entries);
        Applied = Received;
    }

    public struct Entry
    {
        public Element Row;
        // The key's values (the first three, then the rest), as GroupKey.Of evaluates them.
        public object? A, B, C;
        public object?[]? More;
        public GroupKey Key;
        public bool Keyed;
        // The event the row came from (RowErrorScope.Current when it arrived).
        public int Input;
        public long Offset;
    }
}
