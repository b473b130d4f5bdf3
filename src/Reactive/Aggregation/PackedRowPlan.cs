namespace Sluice.Reactive.Aggregation;

/// <summary>
/// Where each column of a packed group's output row comes from, worked out once per operator
/// (<see cref="PackedLayout.PlanRow"/>): a key value, a counter, a distinct table's count for one FILTER slot, a best
/// value or an accumulator. <see cref="AggregateGroup.ToRow(int[], object[])"/> found that out again for every column
/// of every row (the output layout's column, the aggregate's kind, its index, its table and slot, the group's type), and a
/// change to a q16 group builds two rows of fifteen columns.
/// </summary>
internal sealed class PackedRowPlan
{
    private const int KeyColumn = 0;
    private const int Counter = 1;
    private const int DistinctCount = 2;
    private const int BestValue = 3;
    private const int AccumulatorResult = 4;
    private const int KindBits = 3;

    // Per column: kind in the low bits, the index (key position, counter, table * 32 + slot, best, aggregate) above.
    private readonly int[] codes;

    private PackedRowPlan(int[] codes) => this.codes = codes;

    public static int Key(int position) => (position << KindBits) | KeyColumn;

    public static int CounterAt(int index) => (index << KindBits) | Counter;

    public static int Distinct(int table, int slot) => (((table << 5) | slot) << KindBits) | DistinctCount;

    public static int Best(int index) => (index << KindBits) | BestValue;

    public static int Accumulator(int aggregate) => (aggregate << KindBits) | AccumulatorResult;

    public static PackedRowPlan Of(int[] codes) => new(codes);

    /// <summary>
    /// The group's row, as <see cref="AggregateGroup.ToRow(int[], object[])"/> builds it: a count equal to the one the same
    /// column of <paramref name="previous"/> holds is that box again.
    /// </summary>
    public object?[] Row(PackedAggregateGroup group, object?[]? previous)
    {
        var codes = this.codes;
        var row = new object?[codes.Length];
        var key = group.Key;
        for (var i = 0; i < codes.Length; i++)
        {
            var code = codes[i];
            var index = code >> KindBits;
            row[i] = (code & ((1 << KindBits) - 1)) switch
            {
                KeyColumn => key[index],
                Counter => BoxedCounts.Of(group.Counters[index], previous?[i]),
                DistinctCount => BoxedCounts.Of(group.Table(index >> 5).Distinct(index & 31), previous?[i]),
                BestValue => group.Bests[index],
                _ => group.Accumulators[index].Result(),
            };
        }
        return row;
    }
}
