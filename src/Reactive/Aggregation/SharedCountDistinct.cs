using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Sluice.Reactive.Runtime.Checkpoints;

namespace Sluice.Reactive.Aggregation;

/// <summary>How often each of up to <see cref="Size"/> aggregates saw one value, inline (no array per value).</summary>
[InlineArray(Size)]
internal struct SlotCounts
{
    public const int Size = 4;

    private int first;
}

/// <summary>
/// The values several COUNT(DISTINCT x) of one group count (the same x under different FILTERs, at most
/// <see cref="SlotCounts.Size"/>), each value with how often each of them saw it, and per aggregate how many values it
/// sees at least once. The table holds no references, so the garbage collector never scans it, however large it grows.
/// </summary>
internal sealed class SharedDistinctValues(int slots)
{
    public readonly Dictionary<long, SlotCounts> Counts = [];

    public readonly long[] Distinct = new long[slots];

    /// <summary>Adds <paramref name="n"/> sightings (negative: removes) of <paramref name="value"/> in <paramref name="slot"/>.</summary>
    public void Add(long value, int slot, int n)
    {
        ref var counts = ref CollectionsMarshal.GetValueRefOrAddDefault(Counts, value, out _);
        var before = counts[slot];
        var after = before + n;
        counts[slot] = after;
        if (before <= 0 && after > 0) Distinct[slot]++;
        else if (before > 0 && after <= 0) Distinct[slot]--;
        if (after <= 0 && counts[0] <= 0 && counts[1] <= 0 && counts[2] <= 0 && counts[3] <= 0) Counts.Remove(value);
    }
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

    public override void Retract(object? value)
    {
        if (value is not null && shared.Counts.TryGetValue((long)value, out var counts) && counts[slot] > 0) shared.Add((long)value, slot, -1);
    }

    public override object? Result() => BoxedCounts.Of(shared.Distinct[slot]);

    public override void Merge(Accumulator other)
    {
        var o = (SharedCountDistinctAccumulator)other;
        foreach (var (value, counts) in o.shared.Counts)
        {
            if (counts[o.slot] > 0) shared.Add(value, slot, counts[o.slot]);
        }
    }

    public override bool Subtractable => true;

    public override void Subtract(Accumulator other)
    {
        var o = (SharedCountDistinctAccumulator)other;
        foreach (var (value, counts) in o.shared.Counts)
        {
            if (counts[o.slot] > 0) shared.Add(value, slot, -counts[o.slot]);
        }
    }

    // Each accumulator of the shared table writes the values its own slot has seen; reading them back one slot after
    // another rebuilds the table and every slot's distinct count (counts are never negative: Retract and Subtract
    // only take out what was put in).
    public override void WriteState(BinaryWriter writer)
    {
        var seen = 0;
        foreach (var (_, counts) in shared.Counts)
        {
            if (counts[slot] > 0) seen++;
        }
        writer.Write(seen);
        foreach (var (value, counts) in shared.Counts)
        {
            if (counts[slot] <= 0) continue;
            writer.Write(value);
            writer.Write(counts[slot]);
        }
    }

    public override void ReadState(BinaryReader reader)
    {
        for (var i = CheckpointValues.ReadCount(reader); i > 0; i--)
        {
            var value = reader.ReadInt64();
            shared.Add(value, slot, reader.ReadInt32());
        }
    }
}
