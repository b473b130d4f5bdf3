using System.Runtime.CompilerServices;
using Sluice.Reactive.Planning;
using Sluice.Reactive.Runtime.Checkpoints;

namespace Sluice.Reactive.Aggregation;

/// <summary>
/// Which aggregates of a GROUP BY its groups keep packed inline in a <see cref="PackedAggregateGroup"/> instead of one
/// accumulator object each: COUNT(*) and COUNT(x) as counters, COUNT(DISTINCT bigint) sharing a table
/// (<see cref="DistinctShare"/>) as a slot of that table, MIN/MAX over an append-only input as the best value. Nexmark
/// q16 packs all thirteen of its aggregates: a change to a group then reads the group object and the entries of its two
/// tables, where it read fifteen objects, which is what a group out of cache costs. With <see cref="AggregateInputs"/>
/// a row's FILTER conditions and values are evaluated once each and each table is probed once per row.
/// One layout per operator instance (it holds a scratch buffer for the row being applied): a pipeline is single-threaded.
/// </summary>
internal sealed class PackedLayout
{
    private const byte Unpacked = 0;
    private const byte CountStar = 1;
    private const byte CountValues = 2;
    private const byte SharedDistinct = 3;
    private const byte Best = 4;

    private readonly byte[] kinds;
    private readonly int[] indexes;
    private readonly int[] slots;
    private readonly int[] tableSlots;
    private readonly bool[] bestIsMax;

    // The row inputs evaluated once (null: each aggregate evaluates its own argument delegate).
    private readonly AggregateInputs? inputs;
    private readonly object?[] values = [];
    // Per value: whether some aggregate reads it unconditionally, and the conditions under which the others read it.
    private readonly bool[] valueAlways = [];
    private readonly uint[] valueConditions = [];
    // Per shared table: the value it counts and, per slot, that slot's condition (-1: none).
    private readonly int[] tableValue = [];
    private readonly int[][] tableSlotConditions = [];

    private PackedLayout(AggregateSpec[] specs, byte[] kinds, int[] indexes, int[] slots, int[] tableSlots, bool[] bestIsMax)
    {
        this.kinds = kinds;
        this.indexes = indexes;
        this.slots = slots;
        this.tableSlots = tableSlots;
        this.bestIsMax = bestIsMax;
        var all = kinds.All(k => k != Unpacked);
        NoAccumulators = all ? new Accumulator[specs.Length] : null;
        if (specs[0].Inputs is not { } shared || specs.Any(s => s.Inputs != shared)) return;
        inputs = shared;
        values = new object?[shared.Values.Length];
        valueAlways = new bool[shared.Values.Length];
        valueConditions = new uint[shared.Values.Length];
        for (var i = 0; i < specs.Length; i++)
        {
            var value = shared.ValueOf[i];
            if (value < 0) continue;
            var condition = shared.ConditionOf[i];
            if (condition < 0) valueAlways[value] = true;
            else valueConditions[value] |= 1u << condition;
        }
        tableValue = new int[tableSlots.Length];
        tableSlotConditions = new int[tableSlots.Length][];
        for (var t = 0; t < tableSlots.Length; t++)
        {
            tableValue[t] = -1;
            tableSlotConditions[t] = new int[tableSlots[t]];
        }
        for (var i = 0; i < specs.Length; i++)
        {
            if (kinds[i] != SharedDistinct) continue;
            var table = indexes[i];
            // The tables are shared by the printed counted value, so every slot's value is the same one; if not, no fast path.
            if (tableValue[table] >= 0 && tableValue[table] != shared.ValueOf[i])
            {
                inputs = null;
                return;
            }
            tableValue[table] = shared.ValueOf[i];
            tableSlotConditions[table][slots[i]] = shared.ConditionOf[i];
        }
    }

    /// <summary>The accumulators of a group whose every aggregate is packed: one array of nulls shared by all groups.</summary>
    public Accumulator[]? NoAccumulators { get; }

    /// <summary>The layout packing what <paramref name="specs"/> allow, or null when fewer than two aggregates would be packed.</summary>
    public static PackedLayout? For(AggregateSpec[] specs)
    {
        var kinds = new byte[specs.Length];
        var indexes = new int[specs.Length];
        var slots = new int[specs.Length];
        var counters = 0;
        var bests = new List<bool>();
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
            else if (spec.Share is { } share && share.Group < PackedDistinctGroup.Tables)
            {
                kinds[i] = SharedDistinct;
                indexes[i] = share.Group;
                slots[i] = share.Slot;
                while (tableSlots.Count <= share.Group) tableSlots.Add(0);
                tableSlots[share.Group] = share.Slots;
            }
            else if (spec.IsAppendOnlyMinMax && bests.Count < PackedBests.Size)
            {
                kinds[i] = Best;
                indexes[i] = bests.Count;
                bests.Add(spec.Call.Kind == AggregateKind.Max);
            }
        }
        return kinds.Count(k => k != Unpacked) < 2 ? null : new PackedLayout(specs, kinds, indexes, slots, [.. tableSlots], [.. bests]);
    }

    public bool IsPacked(int aggregate) => kinds[aggregate] != Unpacked;

    /// <summary>
    /// The plan of a group's output row in <paramref name="columns"/>' layout (null: keys, then aggregates), where column
    /// c is key c below <paramref name="keyCount"/> and aggregate c - <paramref name="keyCount"/> from there.
    /// </summary>
    public PackedRowPlan PlanRow(int keyCount, int[]? columns)
    {
        var width = columns?.Length ?? keyCount + kinds.Length;
        var codes = new int[width];
        for (var i = 0; i < width; i++)
        {
            var column = columns is null ? i : columns[i];
            var aggregate = column - keyCount;
            codes[i] = column < keyCount ? PackedRowPlan.Key(column) : kinds[aggregate] switch
            {
                CountStar or CountValues => PackedRowPlan.CounterAt(indexes[aggregate]),
                SharedDistinct => PackedRowPlan.Distinct(indexes[aggregate], slots[aggregate]),
                Best => PackedRowPlan.Best(indexes[aggregate]),
                _ => PackedRowPlan.Accumulator(aggregate),
            };
        }
        return PackedRowPlan.Of(codes);
    }

    /// <summary>A new group: the packed part inline, accumulators for the rest (null where packed).</summary>
    public PackedAggregateGroup Create(GroupKey key, AggregateSpec[] specs)
    {
        var accumulators = NoAccumulators;
        if (accumulators is null)
        {
            accumulators = new Accumulator[specs.Length];
            for (var i = 0; i < specs.Length; i++)
            {
                if (kinds[i] == Unpacked) accumulators[i] = specs[i].Create();
            }
        }
        return tableSlots.Length > 0 ? new PackedDistinctGroup(key, accumulators, this) : new PackedAggregateGroup(key, accumulators, this);
    }

    /// <summary>Applies a row to <paramref name="group"/>: <paramref name="n"/> = 1 adds it, -1 retracts it.</summary>
    public void Change(PackedAggregateGroup group, AggregateSpec[] specs, object?[] row, int n)
    {
        if (inputs is not null && TryEvaluate(inputs, row, out var met))
        {
            ApplyEvaluated(group, inputs, met, n);
            return;
        }
        for (var i = 0; i < specs.Length; i++)
        {
            var value = specs[i].Argument?.Invoke(row);
            if (kinds[i] != Unpacked) Change(group, i, value, n);
            else if (n > 0) group.Accumulators[i].Add(value);
            else group.Accumulators[i].Retract(value);
        }
    }

    // Every condition into a bit of 'met', every value some aggregate reads into 'values'. Nothing changes yet, so when an
    // expression fails the row goes the per-aggregate way instead, which counts or raises each failure as before (and a
    // value that fails only where its FILTER is false, which CASE would not have evaluated, costs nothing but that detour).
    private bool TryEvaluate(AggregateInputs inputs, object?[] row, out uint met)
    {
        met = 0;
        try
        {
            var conditions = inputs.Conditions;
            for (var c = 0; c < conditions.Length; c++)
            {
                if (conditions[c](row)) met |= 1u << c;
            }
            var compiled = inputs.Values;
            for (var v = 0; v < compiled.Length; v++)
            {
                values[v] = valueAlways[v] || (valueConditions[v] & met) != 0 ? compiled[v](row) : null;
            }
            return true;
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            return false;
        }
    }

    private void ApplyEvaluated(PackedAggregateGroup group, AggregateInputs inputs, uint met, int n)
    {
        var conditionOf = inputs.ConditionOf;
        var valueOf = inputs.ValueOf;
        for (var i = 0; i < kinds.Length; i++)
        {
            if (kinds[i] == SharedDistinct) continue; // below, once per table
            var condition = conditionOf[i];
            // A FILTER not met makes the argument NULL (CASE WHEN c THEN x END).
            var value = valueOf[i] < 0 || (condition >= 0 && (met & (1u << condition)) == 0) ? null : values[valueOf[i]];
            if (kinds[i] != Unpacked) Change(group, i, value, n);
            else if (n > 0) group.Accumulators[i].Add(value);
            else group.Accumulators[i].Retract(value);
        }
        for (var t = 0; t < tableValue.Length; t++)
        {
            if (values[tableValue[t]] is not long value) continue;
            var slotConditions = tableSlotConditions[t];
            var seen = 0;
            for (var slot = 0; slot < slotConditions.Length; slot++)
            {
                var condition = slotConditions[slot];
                if (condition < 0 || (met & (1u << condition)) != 0) seen |= 1 << slot;
            }
            if (seen != 0) group.Table(t).Add(value, seen, n);
        }
    }

    private void Change(PackedAggregateGroup group, int aggregate, object? value, int n)
    {
        switch (kinds[aggregate])
        {
            case CountStar:
                group.Counters[indexes[aggregate]] += n;
                break;
            case CountValues:
                if (value is not null) group.Counters[indexes[aggregate]] += n;
                break;
            case Best:
                if (n < 0) throw new InvalidOperationException("MIN/MAX over an append-only input cannot retract.");
                if (value is null) break;
                ref var best = ref group.Bests[indexes[aggregate]];
                if (best is null) best = value;
                else
                {
                    var c = ValueComparer.Compare(value, best);
                    if (bestIsMax[indexes[aggregate]] ? c > 0 : c < 0) best = value;
                }
                break;
            default:
                // Retracting (n = -1) takes out only what the slot saw, as SharedCountDistinctAccumulator.Retract.
                if (value is not null) group.Table(indexes[aggregate]).Add((long)value, 1 << slots[aggregate], n);
                break;
        }
    }

    /// <summary>The current result of aggregate <paramref name="aggregate"/> of <paramref name="group"/>, packed or not.</summary>
    public object? Result(PackedAggregateGroup group, int aggregate) => Result(group, aggregate, null);

    /// <summary>
    /// The current result of aggregate <paramref name="aggregate"/>; a count equal to <paramref name="previous"/> (what the
    /// same column held in the group's last emitted row) is that box again (<see cref="BoxedCounts.Of(long, object?)"/>).
    /// </summary>
    public object? Result(PackedAggregateGroup group, int aggregate, object? previous) => kinds[aggregate] switch
    {
        Unpacked => group.Accumulators[aggregate].Result(),
        SharedDistinct => BoxedCounts.Of(group.Table(indexes[aggregate]).Distinct(slots[aggregate]), previous),
        Best => group.Bests[indexes[aggregate]],
        _ => BoxedCounts.Of(group.Counters[indexes[aggregate]], previous),
    };

    /// <summary>Writes the aggregate's state exactly as its accumulator would (CountAccumulator, SharedCountDistinctAccumulator, MinMaxAccumulator).</summary>
    public void WriteState(BinaryWriter writer, PackedAggregateGroup group, int aggregate)
    {
        switch (kinds[aggregate])
        {
            case SharedDistinct:
                group.Table(indexes[aggregate]).WriteSeenBy(writer, slots[aggregate]);
                break;
            case Best:
                CheckpointValues.Write(writer, group.Bests[indexes[aggregate]]);
                break;
            default:
                writer.Write(group.Counters[indexes[aggregate]]);
                break;
        }
    }

    /// <summary>Reads what <see cref="WriteState"/> (or the aggregate's own accumulator) wrote.</summary>
    public void ReadState(BinaryReader reader, PackedAggregateGroup group, int aggregate)
    {
        switch (kinds[aggregate])
        {
            case SharedDistinct:
                ref var table = ref group.Table(indexes[aggregate]);
                var seen = 1 << slots[aggregate];
                for (var i = CheckpointValues.ReadCount(reader); i > 0; i--)
                {
                    var value = reader.ReadInt64();
                    table.Add(value, seen, reader.ReadInt32());
                }
                break;
            case Best:
                group.Bests[indexes[aggregate]] = CheckpointValues.Read(reader);
                break;
            default:
                group.Counters[indexes[aggregate]] = reader.ReadInt64();
                break;
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

/// <summary>Up to two MIN/MAX best values of one group, inline.</summary>
[InlineArray(Size)]
internal struct PackedBests
{
    public const int Size = 2;

    private object? first;
}

/// <summary>
/// A group whose packed aggregates (<see cref="PackedLayout"/>) live in the group object itself: its counters and best
/// values inline, so reaching any of them from the groups table is one object.
/// </summary>
internal class PackedAggregateGroup(GroupKey key, Accumulator[] accumulators, PackedLayout layout) : AggregateGroup(key, accumulators)
{
    public PackedCounters Counters;

    public PackedBests Bests;

    public PackedLayout Layout { get; } = layout;

    /// <summary>Shared distinct table <paramref name="index"/>: only a group of a layout that has them (<see cref="PackedDistinctGroup"/>).</summary>
    public ref DistinctTable Table(int index) => ref ((PackedDistinctGroup)this).TableAt(index);
}

/// <summary>
/// A packed group with shared distinct tables (q15/q16: bidder's and auction's), inline with their first entries
/// (<see cref="DistinctTable"/>): a group of a layout without them does not carry their bytes.
/// </summary>
internal sealed class PackedDistinctGroup(GroupKey key, Accumulator[] accumulators, PackedLayout layout) : PackedAggregateGroup(key, accumulators, layout)
{
    /// <summary>How many shared distinct tables a group packs.</summary>
    public const int Tables = 2;

    private DistinctTable first;
    private DistinctTable second;

    public ref DistinctTable TableAt(int index) => ref index == 0 ? ref first : ref second;
}
