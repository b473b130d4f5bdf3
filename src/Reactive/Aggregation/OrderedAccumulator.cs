using Sluice.Reactive.Runtime.Checkpoints;

namespace Sluice.Reactive.Aggregation;

/// <summary>
/// STRING_AGG, FIRST_VALUE and LAST_VALUE: the argument arrives as <c>[value, sort key…]</c> (see
/// <c>BoundTuple</c>); the rows are kept sorted by their keys (then arrival), so retractions and session/slice
/// merges keep the order exact. STRING_AGG skips NULL values; FIRST/LAST_VALUE return the value of the first/last
/// row even when it is NULL.
/// </summary>
internal sealed class OrderedAccumulator(OrderedAggregate kind, bool[] descending, string separator) : Accumulator
{
    private static long arrivals;

    private readonly List<(object?[] Tuple, long Arrival)> rows = [];

    private int Compare((object?[] Tuple, long Arrival) x, (object?[] Tuple, long Arrival) y)
    {
        for (var i = 1; i < x.Tuple.Length; i++)
        {
            var (a, b) = (x.Tuple[i], y.Tuple[i]);
            var c = a is null ? (b is null ? 0 : 1) : b is null ? -1 : ValueComparer.Compare(a, b);
            if (c != 0) return descending[i - 1] ? -c : c;
        }
        return x.Arrival.CompareTo(y.Arrival);
    }

    private int Position((object?[] Tuple, long Arrival) entry)
    {
        int lo = 0, hi = rows.Count;
        while (lo < hi)
        {
            var mid = (lo + hi) >>> 1;
            if (Compare(rows[mid], entry) < 0) lo = mid + 1;
            else hi = mid;
        }
        return lo;
    }

    public override void Add(object? value)
    {
        if (value is not object?[] tuple) return;
        if (kind == OrderedAggregate.StringAgg && tuple[0] is null) return;
        var entry = (tuple, Interlocked.Increment(ref arrivals));
        rows.Insert(Position(entry), entry);
    }

    public override void Retract(object? value)
    {
        if (value is not object?[] tuple) return;
        // Arrival 0 sorts before every stored copy with the same keys: scan those for an equal value.
        for (var i = Position((tuple, 0)); i < rows.Count; i++)
        {
            var stored = rows[i].Tuple;
            if (Compare((stored, 0), (tuple, 0)) != 0) return;
            if (Equals(stored[0], tuple[0]))
            {
                rows.RemoveAt(i);
                return;
            }
        }
    }

    public override object? Result() => rows.Count == 0
        ? null
        : kind switch
        {
            OrderedAggregate.FirstValue => rows[0].Tuple[0],
            OrderedAggregate.LastValue => rows[^1].Tuple[0],
            _ => string.Join(separator, rows.Select(r => (string)r.Tuple[0]!)),
        };

    public override void Merge(Accumulator other)
    {
        foreach (var entry in ((OrderedAccumulator)other).rows) rows.Insert(Position(entry), entry);
    }

    public override void WriteState(BinaryWriter writer)
    {
        writer.Write(rows.Count);
        foreach (var (tuple, arrival) in rows)
        {
            CheckpointValues.WriteRow(writer, tuple);
            writer.Write(arrival);
        }
    }

    /// <summary>
    /// Restores the rows with their arrival numbers (ties between equal sort keys are broken by arrival, also across
    /// merged accumulators), and moves the process-wide arrival counter past them so later rows still arrive after.
    /// </summary>
    public override void ReadState(BinaryReader reader)
    {
        var count = CheckpointValues.ReadCount(reader);
        var latest = 0L;
        for (var i = 0; i < count; i++)
        {
            var tuple = CheckpointValues.ReadRow(reader);
            var arrival = reader.ReadInt64();
            rows.Add((tuple, arrival));
            latest = Math.Max(latest, arrival);
        }
        for (var seen = Interlocked.Read(ref arrivals); seen < latest; seen = Interlocked.Read(ref arrivals))
        {
            Interlocked.CompareExchange(ref arrivals, latest, seen);
        }
    }
}

internal enum OrderedAggregate { StringAgg, FirstValue, LastValue }
