using System.Runtime.InteropServices;

namespace Sluice.Reactive.Aggregation;

/// <summary>
/// The values several COUNT(DISTINCT x) of one group count (the same x under different FILTERs), each value with how
/// often each of them saw it, and per aggregate how many values it sees at least once.
/// </summary>
internal sealed class SharedDistinctValues(int slots)
{
    public readonly Dictionary<long, int[]> Counts = [];

    public readonly long[] Distinct = new long[slots];

    public int Slots => slots;

    /// <summary>Adds <paramref name="n"/> sightings (negative: removes) of <paramref name="value"/> in <paramref name="slot"/>.</summary>
    public void Add(long value, int slot, int n)
    {
        ref var counts = ref CollectionsMarshal.GetValueRefOrAddDefault(Counts, value, out _);
        counts ??= new int[slots];
        var before = counts[slot];
        var after = before + n;
        counts[slot] = after;
        if (before <= 0 && after > 0) Distinct[slot]++;
        else if (before > 0 && after <= 0) Distinct[slot]--;
        if (after <= 0 && Array.TrueForAll(counts, c => c <= 0)) Counts.Remove(value);
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
}
