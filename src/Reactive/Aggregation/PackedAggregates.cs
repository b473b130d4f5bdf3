using System.Runtime.CompilerServices;
using Sluice.Reactive.Planning;
using Sluice.Reactive.Runtime.Checkpoints;

namespace Sluice.Reactive.Aggregation;

/// <summary>
/// Which aggregates of a GROUP BY its groups keep packed in one <see cref="PackedAggregates"/> instead of one accumulator
/// object each: COUNT(*) and COUNT(x) as inline counters, COUNT(DISTINCT bigint) sharing a table (<see cref="DistinctShare"/>)
/// as a slot of that table. Nexmark q16 packs twelve of its thirteen aggregates: a change to a group then reads one
/// object and two tables instead of fifteen objects, which is what a group out of cache costs.
/// </summary>
internal sealed class PackedLayout
{
    private const byte Unpacked = 0;
    private const byte CountStar = 1;
    private const byte CountValues = 2;
    private const byte SharedDistinct = 3;

    private readonly byte[] kinds;
    private readonly int[] indexes;
    private readonly int[] slots;
    private readonly int[] tableSlots;

    private PackedLayout(byte[] kinds, int[] indexes, int[] slots, int[] tableSlots)
    {
        this.kinds = kinds;
        this.indexes = indexes;
        this.slots = slots;
        this.tableSlots = tableSlots;
    }

    /// <summary>The layout packing what <paramref name="specs"/> allow, or null when fewer than two aggregates would be packed.</summary>
    public static PackedLayout? For(AggregateSpec[] specs)
    {
        var kinds = new byte[specs.Length];
        var indexes = new int[specs.Length];
        var slots = new int[specs.Length];
        var counters = 0;
        var tableSlots = new List<int>();
        for (var i = 0; i < specs.Length; i++)
        {
            var spec = specs[i];
            if (spec.Call.Kind == AggregateKind.CountStar && counters < PackedCounters.Size)
            {
                kinds[i] = CountStar;
                indexes[i] = counters++;
            }
            else if (spec.Call is { Kind: AggregateKind.Count, Distinct: false } && counters < PackedCounters.Size)
            {
                kinds[i] = CountValues;
                indexes[i] = counters++;
            }
            else if (spec.Share is { } share && share.Group < PackedAggregates.Tables)
            {
                kinds[i] = SharedDistinct;
                indexes[i] = share.Group;
                slots[i] = share.Slot;
                while (tableSlots.Count <= share.Group) tableSlots.Add(0);
                tableSlots[share.Group] = share.Slots;
            }
        }
        return kinds.Count(k => k != Unpacked) < 2 ? null : new PackedLayout(kinds, indexes, slots, [.. tableSlots]);
    }

    public bool IsPacked(int aggregate) => kinds[aggregate] != Unpacked;

    /// <summary>A new group's state: the packed part, and accumulators for the rest (null where packed).</summary>
    public (PackedAggregates Packed, Accumulator[] Accumulators) Create(AggregateSpec[] specs)
    {
        var accumulators = new Accumulator[specs.Length];
        for (var i = 0; i < specs.Length; i++)
        {
            if (kinds[i] == Unpacked) accumulators[i] = specs[i].Create();
        }
        return (new PackedAggregates(this, tableSlots), accumulators);
    }

    public void Add(PackedAggregates packed, int aggregate, object? value, int n)
    {
        switch (kinds[aggregate])
        {
            case CountStar:
                packed.Counters[indexes[aggregate]] += n;
                break;
            case CountValues:
                if (value is not null) packed.Counters[indexes[aggregate]] += n;
                break;
            default:
                // Retracting (n = -1) takes out only what the slot saw, as SharedCountDistinctAccumulator.Retract.
                if (value is not null) packed.Table(indexes[aggregate]).Add((long)value, slots[aggregate], n);
                break;
        }
    }

    public object? Result(PackedAggregates packed, int aggregate) => kinds[aggregate] == SharedDistinct
        ? BoxedCounts.Of(packed.Table(indexes[aggregate]).Distinct(slots[aggregate]))
        : BoxedCounts.Of(packed.Counters[indexes[aggregate]]);

    /// <summary>Writes the aggregate's state exactly as its accumulator would (CountAccumulator, SharedCountDistinctAccumulator).</summary>
    public void WriteState(BinaryWriter writer, PackedAggregates packed, int aggregate)
    {
        if (kinds[aggregate] != SharedDistinct)
        {
            writer.Write(packed.Counters[indexes[aggregate]]);
            return;
        }
        var table = packed.Table(indexes[aggregate]);
        var slot = slots[aggregate];
        writer.Write(table.CountSeenBy(slot));
        foreach (var (value, n) in table.SeenBy(slot))
        {
            writer.Write(value);
            writer.Write(n);
        }
    }

    /// <summary>Reads what <see cref="WriteState"/> (or the aggregate's own accumulator) wrote.</summary>
    public void ReadState(BinaryReader reader, PackedAggregates packed, int aggregate)
    {
        if (kinds[aggregate] != SharedDistinct)
        {
            packed.Counters[indexes[aggregate]] = reader.ReadInt64();
            return;
        }
        var table = packed.Table(indexes[aggregate]);
        for (var i = CheckpointValues.ReadCount(reader); i > 0; i--)
        {
            var value = reader.ReadInt64();
            table.Add(value, slots[aggregate], reader.ReadInt32());
        }
    }
}

/// <summary>Up to eight COUNTs of one group, inline.</summary>
[InlineArray(Size)]
internal struct PackedCounters
{
    public const int Size = 8;

    private long first;
}

/// <summary>The packed aggregates of one group (<see cref="PackedLayout"/>): its counters inline and its shared distinct tables.</summary>
internal sealed class PackedAggregates
{
    /// <summary>How many shared distinct tables a group packs (q15/q16: bidder's and auction's).</summary>
    public const int Tables = 2;

    public PackedCounters Counters;

    private readonly SharedDistinctValues? first;
    private readonly SharedDistinctValues? second;

    public PackedAggregates(PackedLayout layout, int[] tableSlots)
    {
        Layout = layout;
        if (tableSlots.Length > 0 && tableSlots[0] > 0) first = new SharedDistinctValues(tableSlots[0]);
        if (tableSlots.Length > 1 && tableSlots[1] > 0) second = new SharedDistinctValues(tableSlots[1]);
    }

    public PackedLayout Layout { get; }

    public SharedDistinctValues Table(int index) => (index == 0 ? first : second)!;
}
