using Sluice.Reactive.Aggregation;
using Sluice.Reactive.Runtime.Checkpoints;

namespace Sluice.Reactive.Operators;

/// <summary>
/// SELECT DISTINCT: counts copies of each row; the first copy is emitted, and over a changelog the row is
/// retracted when its last copy is.
/// </summary>
internal sealed class DistinctSink(IObserver<Element> downstream, QueryStats stats) : UnarySink(downstream), ICheckpointable
{
    private readonly Dictionary<GroupKey, long> counts = [];

    /// <summary>Each distinct row with its number of copies.</summary>
    public void WriteState(BinaryWriter writer)
    {
        writer.Write(counts.Count);
        foreach (var (key, n) in counts)
        {
            CheckpointValues.WriteKey(writer, key);
            writer.Write(n);
        }
    }

    public void ReadState(BinaryReader reader)
    {
        var count = CheckpointValues.ReadCount(reader);
        counts.EnsureCapacity(count);
        for (var i = 0; i < count; i++) counts.Add(CheckpointValues.ReadKey(reader), reader.ReadInt64());
        stats.AddStateSize(count);
    }

    protected override void OnRow(Element row)
    {
        var key = GroupKey.OfRow(row.Row!);
        if (row.Kind == ElementKind.Insert)
        {
            var n = counts.GetValueOrDefault(key);
            counts[key] = n + 1;
            if (n == 0)
            {
                stats.AddStateSize(1);
                Downstream.OnNext(row);
            }
        }
        else if (counts.TryGetValue(key, out var n))
        {
            if (n > 1) counts[key] = n - 1;
            else
            {
                counts.Remove(key);
                stats.AddStateSize(-1);
                Downstream.OnNext(row);
            }
        }
    }
}
