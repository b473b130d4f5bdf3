namespace Sluice.Reactive.Aggregation;

/// <summary>The state of one group: its key, accumulators, how many rows it holds and what it last emitted.</summary>
internal sealed class AggregateGroup(GroupKey key, Accumulator[] accumulators)
{
    public GroupKey Key { get; } = key;

    public Accumulator[] Accumulators { get; } = accumulators;

    public long Rows;

    public object?[]? LastEmitted;

    public void Add(AggregateSpec[] specs, object?[] row)
    {
        for (var i = 0; i < specs.Length; i++) Accumulators[i].Add(specs[i].Argument?.Invoke(row));
        Rows++;
    }

    public void Retract(AggregateSpec[] specs, object?[] row)
    {
        for (var i = 0; i < specs.Length; i++) Accumulators[i].Retract(specs[i].Argument?.Invoke(row));
        Rows--;
    }

    /// <summary>The output row: key values, then aggregate results.</summary>
    public object?[] ToRow()
    {
        var keyCount = Key.Count;
        var row = new object?[keyCount + Accumulators.Length];
        for (var i = 0; i < keyCount; i++) row[i] = Key[i];
        for (var i = 0; i < Accumulators.Length; i++) row[keyCount + i] = Accumulators[i].Result();
        return row;
    }
}
