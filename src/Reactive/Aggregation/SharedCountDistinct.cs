using Sluice.Reactive.Runtime.Checkpoints;

namespace Sluice.Reactive.Aggregation;

/// <summary>
/// The values several COUNT(DISTINCT x) of one group count (the same x under different FILTERs, at most
/// <see cref="SlotCounts.Size"/>), each value with how often each of them saw it, and per aggregate how many values it
/// sees at least once. A class around a <see cref="DistinctTable"/>, for the accumulators of an unpacked group; a packed
/// group (<see cref="PackedDistinctGroup"/>) holds its tables inline instead.
/// </summary>
internal sealed class SharedDistinctValues(int slots)
{
    private DistinctTable table;

    /// <summary>How many aggregates share the table.</summary>
    public int Slots { get; } = slots;

    /// <summary>How many values the table holds (seen by at least one slot).</summary>
    public int Count => table.Count;

    /// <summary>Whether the values have moved from the inline entries to an array (<see cref="DistinctTable"/>).</summary>
    public bool IsSpilled => table.IsSpilled;

    /// <summary>Whether the values have moved to an array of 32-bit counts (<see cref="DistinctTable"/>).</summary>
    public bool IsWide => table.IsWide;

    /// <summary>The values the table holds, in no particular order.</summary>
    public IEnumerable<long> Values => table.ValuesCopy();

    /// <summary>How many values <paramref name="slot"/> sees at least once.</summary>
    public long Distinct(int slot) => table.Distinct(slot);

    /// <summary>How often <paramref name="slot"/> saw <paramref name="value"/>.</summary>
    public int CountOf(long value, int slot) => table.CountOf(value, slot);

    /// <summary>Adds <paramref name="n"/> sightings (negative: removes) of <paramref name="value"/> in <paramref name="slot"/>.</summary>
    public void Add(long value, int slot, int n) => table.Add(value, 1 << slot, n);

    /// <summary>Each value <paramref name="slot"/> sees, with how often it saw it.</summary>
    public IEnumerable<(long Value, int Count)> SeenBy(int slot) => table.SeenByCopy(slot);

    /// <summary>How many values <paramref name="slot"/> sees (for a checkpoint's count).</summary>
    public int CountSeenBy(int slot) => table.CountSeenBy(slot);

    /// <summary>Writes the values <paramref name="slot"/> sees as its accumulator's checkpoint does: the count, then each value and how often.</summary>
    public void WriteSeenBy(BinaryWriter writer, int slot) => table.WriteSeenBy(writer, slot);
}

/// <summary>One COUNT(DISTINCT bigint) whose values live in a <see cref="SharedDistinctValues"/> with others of its group.</summary>
internal sealed class SharedCountDistinctAccumulator(SharedDistinctValues values, int position) : Accumulator
{
    private readonly SharedDistinctValues shared = values;
    private readonly int slot = position;

    public override void Add(object? value)
    {
        if (value is not null) shared.Add((long)value, slot, 1);
    }

    // Add with -1 takes out only what the slot saw: a value it never saw (or another slot's) is left as it is.
    public override void Retract(object? value)
    {
        if (value is not null) shared.Add((long)value, slot, -1);
    }

    public override object? Result() => BoxedCounts.Of(shared.Distinct(slot));

    public override void Merge(Accumulator other)
    {
        var o = (SharedCountDistinctAccumulator)other;
        foreach (var (value, n) in o.shared.SeenBy(o.slot)) shared.Add(value, slot, n);
    }

    public override bool Subtractable => true;

    public override void Subtract(Accumulator other)
    {
        var o = (SharedCountDistinctAccumulator)other;
        foreach (var (value, n) in o.shared.SeenBy(o.slot)) shared.Add(value, slot, -n);
    }

    // Each accumulator of the shared table writes the values its own slot has seen; reading them back one slot after
    // another rebuilds the table and every slot's distinct count (counts are never negative: Retract and Subtract
    // only take out what was put in).
    public override void WriteState(BinaryWriter writer) => shared.WriteSeenBy(writer, slot);

    public override void ReadState(BinaryReader reader)
    {
        for (var i = CheckpointValues.ReadCount(reader); i > 0; i--)
        {
            var value = reader.ReadInt64();
            shared.Add(value, slot, reader.ReadInt32());
        }
    }
}
