using Sluice.Reactive.Aggregation;

namespace Sluice.Reactive.Operators;

/// <summary>
/// SELECT DISTINCT: counts copies of each row; the first copy is emitted, and over a changelog the row is
/// retracted when its last copy is.
/// </summary>
internal sealed class DistinctSink(IObserver<Element> downstream, QueryStats stats) : UnarySink(downstream)
{
    private readonly Dictionary<GroupKey, long> counts = [];

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
