using System.Runtime.CompilerServices;
using Sluice.Reactive.Expressions;
using Sluice.Reactive.Planning;
using Sluice.Reactive.Runtime.Checkpoints;

namespace Sluice.Reactive.Aggregation;

/// <summary>One aggregate of a query: which accumulator, its compiled argument, and whether it must handle retractions.</summary>
internal sealed class AggregateSpec(AggregateCall call, Func<object?[], object?>? argument, bool retractable)
{
    private readonly bool retractable = retractable;

    public Func<object?[], object?>? Argument { get; } = argument;

    public AggregateCall Call { get; } = call;

    /// <summary>Set when this COUNT(DISTINCT) keeps its values in a table shared with others (<see cref="ShareDistinctCounts"/>).</summary>
    public DistinctShare? Share { get; private init; }

    /// <summary>The FILTER conditions and values of the query's aggregates, each compiled once (<see cref="FactorInputs"/>); null when not taken apart.</summary>
    public AggregateInputs? Inputs { get; private init; }

    /// <summary>The same aggregate over another argument delegate (a guarded one, for non-strict rows).</summary>
    public AggregateSpec WithArgument(Func<object?[], object?> other) => new(Call, other, retractable) { Share = Share, Inputs = Inputs };

    /// <summary>
    /// The specs with their arguments also taken apart into conditions and values (<see cref="AggregateInputs"/>), which a
    /// packed group evaluates once per row; each spec keeps its own argument delegate too, for rows where one fails.
    /// </summary>
    public static AggregateSpec[] FactorInputs(AggregateSpec[] specs)
    {
        if (specs.Length < 2 || AggregateInputs.For([.. specs.Select(s => s.Call)]) is not { } inputs) return specs;
        return [.. specs.Select(s => new AggregateSpec(s.Call, s.Argument, s.retractable) { Share = s.Share, Inputs = inputs })];
    }

    /// <summary>MIN or MAX over an append-only input: its state is the best value alone.</summary>
    public bool IsAppendOnlyMinMax => Call.Kind is AggregateKind.Min or AggregateKind.Max && !retractable;

    /// <summary>
    /// COUNT(DISTINCT x) of a bigint x, with or without FILTER (which the binder folds into CASE WHEN c THEN x END),
    /// appearing more than once in a query (Nexmark q15/q16: four each over bidder and auction) share one table of x's
    /// values per group, each value with a count per aggregate: one hash lookup region per event instead of one table
    /// per aggregate, which for many groups is what the time goes to (cache misses).
    /// </summary>
    public static AggregateSpec[] ShareDistinctCounts(AggregateSpec[] specs)
    {
        var keys = specs.Select(SharedValue).ToArray();
        var result = specs.ToArray();
        var groups = 0;
        foreach (var key in keys.OfType<string>().Distinct(StringComparer.Ordinal))
        {
            foreach (var members in Enumerable.Range(0, specs.Length).Where(i => keys[i] == key).Chunk(SlotCounts.Size))
            {
                if (members.Length < 2) continue;
                for (var slot = 0; slot < members.Length; slot++)
                {
                    var spec = specs[members[slot]];
                    result[members[slot]] = new AggregateSpec(spec.Call, spec.Argument, spec.retractable) { Share = new DistinctShare(groups, slot, members.Length), Inputs = spec.Inputs };
                }
                groups++;
            }
        }
        return result;
    }

    /// <summary>The printed value a COUNT(DISTINCT bigint) counts, FILTER taken off; null for other aggregates.</summary>
    private static string? SharedValue(AggregateSpec spec)
    {
        if (spec.Call is not { Kind: AggregateKind.Count, Distinct: true, Argument: { Type: SqlType.Bigint } argument }) return null;
        var counted = argument is BoundCase { Conditions.Count: 1, Else: null } filtered ? filtered.Values[0] : argument;
        return counted.Type == SqlType.Bigint ? counted.ToString() : null;
    }

    /// <summary>
    /// Whether this aggregate's result is read from its state without work or allocation (a count, a cached box; the best
    /// value of an append-only MIN/MAX), so rebuilding a group's last row costs less than keeping it (GroupAggregateSink).
    /// </summary>
    public bool ResultIsCheap => Call.Kind is AggregateKind.CountStar or AggregateKind.Count
        || (Call.Kind is AggregateKind.Min or AggregateKind.Max && !retractable);

    public Accumulator Create() => Call.Kind switch
    {
        AggregateKind.CountStar => new CountAccumulator(true),
        AggregateKind.Count when Call.Distinct && Call.Argument?.Type == SqlType.Bigint => new CountDistinctBigintAccumulator(),
        AggregateKind.Count when Call.Distinct => new CountDistinctAccumulator(),
        AggregateKind.Count => new CountAccumulator(false),
        AggregateKind.Sum => Call.Type switch
        {
            SqlType.Bigint => new SumBigintAccumulator(),
            SqlType.Double => new SumDoubleAccumulator(average: false),
            SqlType.Decimal => new SumDecimalAccumulator(false),
            _ => new SumDynamicAccumulator(),
        },
        AggregateKind.Avg => Call.Type switch
        {
            SqlType.Double => new SumDoubleAccumulator(average: true),
            SqlType.Decimal => new SumDecimalAccumulator(true),
            _ => new AvgDynamicAccumulator(),
        },
        AggregateKind.StringAgg => new OrderedAccumulator(OrderedAggregate.StringAgg, [.. Call.Descending], Call.Separator),
        AggregateKind.FirstValue => new OrderedAccumulator(OrderedAggregate.FirstValue, [.. Call.Descending], ""),
        AggregateKind.LastValue => new OrderedAccumulator(OrderedAggregate.LastValue, [.. Call.Descending], ""),
        _ => retractable ? new MinMaxMultisetAccumulator(Call.Kind == AggregateKind.Max) : new MinMaxAccumulator(Call.Kind == AggregateKind.Max),
    };

    public static Accumulator[] CreateAll(AggregateSpec[] specs)
    {
        var result = new Accumulator[specs.Length];
        SharedDistinctValues?[]? shared = null;
        for (var i = 0; i < specs.Length; i++)
        {
            if (specs[i].Share is { } share)
            {
                shared ??= new SharedDistinctValues?[specs.Length];
                result[i] = new SharedCountDistinctAccumulator(shared[share.Group] ??= new SharedDistinctValues(share.Slots), share.Slot);
            }
            else result[i] = specs[i].Create();
        }
        return result;
    }

    /// <summary>Writes one group's accumulators into a checkpoint.</summary>
    public static void WriteAll(BinaryWriter writer, Accumulator[] accumulators)
    {
        foreach (var accumulator in accumulators) accumulator.WriteState(writer);
    }

    /// <summary>Fresh accumulators of <paramref name="specs"/> holding what <see cref="WriteAll"/> wrote.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // recovery only: CheckpointValues.ReadKey says why
    public static Accumulator[] ReadAll(AggregateSpec[] specs, BinaryReader reader)
    {
        var result = CreateAll(specs);
        foreach (var accumulator in result) accumulator.ReadState(reader);
        return result;
    }

    /// <summary>
    /// Accumulators of <paramref name="specs"/> that <see cref="SkipAll"/> may read group after group into, because each
    /// one's state is a few fields its <see cref="Accumulator.ReadState"/> overwrites whole; null when one keeps a
    /// collection (distinct values, a multiset, ordered values), which reading would add to.
    /// </summary>
    public static Accumulator[]? ScratchFor(AggregateSpec[] specs)
    {
        var scratch = CreateAll(specs);
        return scratch.All(a => a is CountAccumulator or SumBigintAccumulator or SumDoubleAccumulator or SumDecimalAccumulator or MinMaxAccumulator) ? scratch : null;
    }

    /// <summary>Reads through what <see cref="WriteAll"/> wrote, into <paramref name="scratch"/> (<see cref="ScratchFor"/>) or else into fresh accumulators, keeping nothing.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // recovery only: CheckpointValues.ReadKey says why
    public static void SkipAll(AggregateSpec[] specs, Accumulator[]? scratch, BinaryReader reader)
    {
        if (scratch is null)
        {
            ReadAll(specs, reader);
            return;
        }
        foreach (var accumulator in scratch) accumulator.ReadState(reader);
    }
}

/// <summary>Which shared table (per group of accumulators) a COUNT(DISTINCT) uses, and its slot in each value's counts.</summary>
internal sealed record DistinctShare(int Group, int Slot, int Slots);

/// <summary>Running state of one aggregate in one group. NULL arguments are ignored (except by COUNT(*)).</summary>
internal abstract class Accumulator
{
    public abstract void Add(object? value);

    public abstract void Retract(object? value);

    public abstract object? Result();

    /// <summary>Folds another accumulator of the same kind in (session windows merging).</summary>
    public abstract void Merge(Accumulator other);

    /// <summary>
    /// Whether <see cref="Subtract"/> undoes a <see cref="Merge"/> exactly, result included (not for MIN/MAX,
    /// nor for double and decimal sums, whose rounding or scale would then depend on what was subtracted).
    /// </summary>
    public virtual bool Subtractable => false;

    /// <summary>Takes out what merging <paramref name="other"/> put in (a hopping window dropping its oldest slice).</summary>
    public virtual void Subtract(Accumulator other) => throw new NotSupportedException($"{GetType().Name} cannot be subtracted.");

    /// <summary>Writes this accumulator's running state into a checkpoint (docs/durability.md).</summary>
    public abstract void WriteState(BinaryWriter writer);

    /// <summary>Restores what <see cref="WriteState"/> wrote, into a fresh accumulator of the same aggregate.</summary>
    public abstract void ReadState(BinaryReader reader);
}

internal sealed class CountAccumulator(bool countNulls) : Accumulator
{
    private long count;

    public override void Add(object? value)
    {
        if (countNulls || value is not null) count++;
    }

    public override void Retract(object? value)
    {
        if (countNulls || value is not null) count--;
    }

    public override object? Result() => BoxedCounts.Of(count);

    public override void Merge(Accumulator other) => count += ((CountAccumulator)other).count;

    public override bool Subtractable => true;

    public override void Subtract(Accumulator other) => count -= ((CountAccumulator)other).count;

    public override void WriteState(BinaryWriter writer) => writer.Write(count);

    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // recovery only (a lazy restore reads every group through it): CheckpointValues.ReadKey says why
    public override void ReadState(BinaryReader reader) => count = reader.ReadInt64();
}

internal sealed class CountDistinctAccumulator : Accumulator
{
    private readonly Dictionary<object, int> counts = [];

    public override void Add(object? value)
    {
        if (value is null) return;
        counts[value] = counts.GetValueOrDefault(value) + 1;
    }

    public override void Retract(object? value)
    {
        if (value is null || !counts.TryGetValue(value, out var n)) return;
        if (n <= 1) counts.Remove(value);
        else counts[value] = n - 1;
    }

    public override object? Result() => BoxedCounts.Of(counts.Count);

    public override void Merge(Accumulator other)
    {
        foreach (var (value, n) in ((CountDistinctAccumulator)other).counts) counts[value] = counts.GetValueOrDefault(value) + n;
    }

    public override bool Subtractable => true;

    public override void Subtract(Accumulator other)
    {
        foreach (var (value, n) in ((CountDistinctAccumulator)other).counts)
        {
            var left = counts[value] - n;
            if (left == 0) counts.Remove(value);
            else counts[value] = left;
        }
    }

    public override void WriteState(BinaryWriter writer)
    {
        writer.Write(counts.Count);
        foreach (var (value, n) in counts)
        {
            CheckpointValues.Write(writer, value);
            writer.Write(n);
        }
    }

    public override void ReadState(BinaryReader reader)
    {
        for (var i = CheckpointValues.ReadCount(reader); i > 0; i--) counts.Add(CheckpointValues.Read(reader)!, reader.ReadInt32());
    }
}

/// <summary>
/// COUNT(DISTINCT bigint): the values unboxed, so a group's table holds no references (a long-lived table of boxed
/// values would keep every new value's box alive through the GC's generations, and hash through virtual calls).
/// </summary>
internal sealed class CountDistinctBigintAccumulator : Accumulator
{
    private readonly Dictionary<long, int> counts = [];

    public override void Add(object? value)
    {
        if (value is null) return;
        System.Runtime.InteropServices.CollectionsMarshal.GetValueRefOrAddDefault(counts, (long)value, out _)++;
    }

    public override void Retract(object? value)
    {
        if (value is null || !counts.TryGetValue((long)value, out var n)) return;
        if (n <= 1) counts.Remove((long)value);
        else counts[(long)value] = n - 1;
    }

    public override object? Result() => BoxedCounts.Of(counts.Count);

    public override void Merge(Accumulator other)
    {
        foreach (var (value, n) in ((CountDistinctBigintAccumulator)other).counts) counts[value] = counts.GetValueOrDefault(value) + n;
    }

    public override bool Subtractable => true;

    public override void Subtract(Accumulator other)
    {
        foreach (var (value, n) in ((CountDistinctBigintAccumulator)other).counts)
        {
            var left = counts[value] - n;
            if (left == 0) counts.Remove(value);
            else counts[value] = left;
        }
    }
    public override void WriteState(BinaryWriter writer)
    {
        writer.Write(counts.Count);
        foreach (var (value, n) in counts)
        {
            writer.Write(value);
            writer.Write(n);
        }
    }

    public override void ReadState(BinaryReader reader)
    {
        for (var i = CheckpointValues.ReadCount(reader); i > 0; i--) counts.Add(reader.ReadInt64(), reader.ReadInt32());
    }
}

internal sealed class SumBigintAccumulator : Accumulator
{
    private long sum;
    private long count;

    public override void Add(object? value)
    {
        if (value is null) return;
        sum = checked(sum + (long)value);
        count++;
    }

    public override void Retract(object? value)
    {
        if (value is null) return;
        sum = checked(sum - (long)value);
        count--;
    }

    public override object? Result() => count == 0 ? null : sum;

    public override void Merge(Accumulator other)
    {
        var o = (SumBigintAccumulator)other;
        sum = checked(sum + o.sum);
        count += o.count;
    }

    public override bool Subtractable => true;

    public override void Subtract(Accumulator other)
    {
        var o = (SumBigintAccumulator)other;
        sum = checked(sum - o.sum);
        count -= o.count;
    }

    public override void WriteState(BinaryWriter writer)
    {
        writer.Write(sum);
        writer.Write(count);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // recovery only (a lazy restore reads every group through it): CheckpointValues.ReadKey says why
    public override void ReadState(BinaryReader reader)
    {
        sum = reader.ReadInt64();
        count = reader.ReadInt64();
    }
}

/// <summary>SUM or AVG of doubles.</summary>
internal sealed class SumDoubleAccumulator(bool average) : Accumulator
{
    private double sum;
    private long count;

    public override void Add(object? value)
    {
        if (value is null) return;
        sum += (double)value;
        count++;
    }

    public override void Retract(object? value)
    {
        if (value is null) return;
        sum -= (double)value;
        count--;
    }

    public override object? Result() => count == 0 ? null : average ? sum / count : sum;

    public override void Merge(Accumulator other)
    {
        var o = (SumDoubleAccumulator)other;
        sum += o.sum;
        count += o.count;
    }

    public override void WriteState(BinaryWriter writer)
    {
        writer.Write(sum);
        writer.Write(count);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // recovery only (a lazy restore reads every group through it): CheckpointValues.ReadKey says why
    public override void ReadState(BinaryReader reader)
    {
        sum = reader.ReadDouble();
        count = reader.ReadInt64();
    }
}

/// <summary>SUM of decimals, or AVG of bigints/decimals (exact: decimal sum over count).</summary>
internal sealed class SumDecimalAccumulator(bool average) : Accumulator
{
    private decimal sum;
    private long count;

    public override void Add(object? value)
    {
        if (value is null) return;
        sum += value is long l ? l : (decimal)value;
        count++;
    }

    public override void Retract(object? value)
    {
        if (value is null) return;
        sum -= value is long l ? l : (decimal)value;
        count--;
    }

    public override object? Result() => count == 0 ? null : average ? sum / count : sum;

    public override void Merge(Accumulator other)
    {
        var o = (SumDecimalAccumulator)other;
        sum += o.sum;
        count += o.count;
    }

    public override void WriteState(BinaryWriter writer)
    {
        writer.Write(sum);
        writer.Write(count);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // recovery only (a lazy restore reads every group through it): CheckpointValues.ReadKey says why
    public override void ReadState(BinaryReader reader)
    {
        sum = reader.ReadDecimal();
        count = reader.ReadInt64();
    }
}

/// <summary>SUM over values typed at run time, with the same promotion rules as + .</summary>
internal sealed class SumDynamicAccumulator : Accumulator
{
    private object? sum;
    private long count;

    public override void Add(object? value)
    {
        value = DynamicOps.Normalize(value);
        if (value is null) return;
        sum = sum is null ? DynamicOps.Arithmetic(0, 0L, value) : DynamicOps.Arithmetic(0, sum, value);
        count++;
    }

    public override void Retract(object? value)
    {
        value = DynamicOps.Normalize(value);
        if (value is null) return;
        sum = DynamicOps.Arithmetic(1, sum ?? 0L, value);
        count--;
    }

    public override object? Result() => count == 0 ? null : sum;

    public override void Merge(Accumulator other)
    {
        var o = (SumDynamicAccumulator)other;
        if (o.sum is not null) sum = sum is null ? o.sum : DynamicOps.Arithmetic(0, sum, o.sum);
        count += o.count;
    }

    public override void WriteState(BinaryWriter writer)
    {
        CheckpointValues.Write(writer, sum);
        writer.Write(count);
    }

    public override void ReadState(BinaryReader reader)
    {
        sum = CheckpointValues.Read(reader);
        count = reader.ReadInt64();
    }
}

/// <summary>AVG over values typed at run time: a double if any value is a double, else an exact decimal.</summary>
internal sealed class AvgDynamicAccumulator : Accumulator
{
    private readonly SumDynamicAccumulator sum = new();
    private long count;

    public override void Add(object? value)
    {
        if (DynamicOps.Normalize(value) is null) return;
        sum.Add(value);
        count++;
    }

    public override void Retract(object? value)
    {
        if (DynamicOps.Normalize(value) is null) return;
        sum.Retract(value);
        count--;
    }

    public override object? Result() => sum.Result() switch
    {
        null => null,
        double d => d / count,
        var s => DynamicOps.ToDecimal(s) / count,
    };

    public override void Merge(Accumulator other)
    {
        var o = (AvgDynamicAccumulator)other;
        sum.Merge(o.sum);
        count += o.count;
    }

    public override void WriteState(BinaryWriter writer)
    {
        sum.WriteState(writer);
        writer.Write(count);
    }

    public override void ReadState(BinaryReader reader)
    {
        sum.ReadState(reader);
        count = reader.ReadInt64();
    }
}

/// <summary>MIN/MAX over an append-only input: the best value so far.</summary>
internal sealed class MinMaxAccumulator(bool max) : Accumulator
{
    private object? best;

    public override void Add(object? value)
    {
        if (value is null) return;
        if (best is null) best = value;
        else
        {
            var c = ValueComparer.Compare(value, best);
            if (max ? c > 0 : c < 0) best = value;
        }
    }

    public override void Retract(object? value) => throw new InvalidOperationException("MIN/MAX over an append-only input cannot retract.");

    public override object? Result() => best;

    public override void Merge(Accumulator other) => Add(((MinMaxAccumulator)other).best);

    public override void WriteState(BinaryWriter writer) => CheckpointValues.Write(writer, best);

    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // recovery only (a lazy restore reads every group through it): CheckpointValues.ReadKey says why
    public override void ReadState(BinaryReader reader) => best = CheckpointValues.Read(reader);
}

/// <summary>MIN/MAX over a changelog: keeps every value with its multiplicity so a retraction can reveal the next best.</summary>
internal sealed class MinMaxMultisetAccumulator(bool max) : Accumulator
{
    // Ordered so that the best value comes first: MAX uses the reversed order.
    private readonly SortedDictionary<object, int> values = new(max ? ValueComparer.Reversed : ValueComparer.Instance);

    public override void Add(object? value)
    {
        if (value is null) return;
        values[value] = values.GetValueOrDefault(value) + 1;
    }

    public override void Retract(object? value)
    {
        if (value is null || !values.TryGetValue(value, out var n)) return;
        if (n <= 1) values.Remove(value);
        else values[value] = n - 1;
    }

    public override object? Result()
    {
        if (values.Count == 0) return null;
        using var first = values.Keys.GetEnumerator();
        first.MoveNext();
        return first.Current;
    }

    public override void Merge(Accumulator other)
    {
        foreach (var (value, n) in ((MinMaxMultisetAccumulator)other).values) values[value] = values.GetValueOrDefault(value) + n;
    }

    public override void WriteState(BinaryWriter writer)
    {
        writer.Write(values.Count);
        foreach (var (value, n) in values)
        {
            CheckpointValues.Write(writer, value);
            writer.Write(n);
        }
    }

    public override void ReadState(BinaryReader reader)
    {
        for (var i = CheckpointValues.ReadCount(reader); i > 0; i--) values.Add(CheckpointValues.Read(reader)!, reader.ReadInt32());
    }
}

/// <summary>Orders SQL values: fast paths for the common boxed types, <see cref="DynamicOps.Compare"/> otherwise.</summary>
internal sealed class ValueComparer : IComparer<object>
{
    public static readonly ValueComparer Instance = new();

    public static readonly IComparer<object> Reversed = Comparer<object>.Create((x, y) => Compare(y, x));

    public static int Compare(object a, object b) => (a, b) switch
    {
        (long x, long y) => x.CompareTo(y),
        (string x, string y) => string.CompareOrdinal(x, y),
        (DateTime x, DateTime y) => x.CompareTo(y),
        (decimal x, decimal y) => x.CompareTo(y),
        (double x, double y) => x.CompareTo(y),
        _ => DynamicOps.Compare(a, b) ?? 0,
    };

    int IComparer<object>.Compare(object? x, object? y) => Compare(x!, y!);
}
