using Sluice.Reactive.Aggregation;
using Sluice.Reactive.Rows;
using Sluice.Reactive.Runtime.Checkpoints;

namespace Sluice.Reactive.Operators;

/// <summary>
/// Top-N per partition (ROW_NUMBER() OVER (PARTITION BY … ORDER BY …) filtered by rn &lt;= N, and ORDER BY … LIMIT N
/// with no partition): an updating result holding the first <c>limit</c> rows of each partition in sort order, ties
/// broken by arrival (the earlier row ranks first). A change is emitted only for rows entering or leaving the top N
/// (and, when the rank is a column, for rows whose rank moved).
/// Over an append-only input a row that falls out of the top N can never come back, so a partition keeps N rows;
/// over an updating input every row is kept, since a retraction from the top N must be refilled from the rest.
/// </summary>
internal sealed class TopNSink(
    IObserver<Element> downstream,
    Func<object?[], object?>[] partitionKeys,
    Func<object?[], object?>[] orderKeys,
    bool[] descending,
    int limit,
    bool emitRank,
    bool keepAll,
    QueryStats stats,
    string description) : UnarySink(downstream), ICheckpointable
{
    private readonly Dictionary<GroupKey, List<Entry>> partitions = [];
    private readonly EntryComparer comparer = new(descending);
    private readonly List<(Entry Entry, long Rank)> retractions = [];
    private readonly List<(Entry Entry, long Rank)> insertions = [];
    private long sequence;

    private sealed record Entry(object?[] Sort, long Sequence, object?[] Row)
    {
        /// <summary>The row last emitted for this entry with its rank (when the rank is a column): retracted as is.</summary>
        public object?[]? Emitted { get; set; }
    }

    /// <summary>The arrival counter (it breaks ties) and each partition's kept rows, in rank order.</summary>
    public void WriteState(BinaryWriter writer)
    {
        writer.Write(sequence);
        writer.Write(partitions.Count);
        foreach (var (key, list) in partitions)
        {
            CheckpointValues.WriteKey(writer, key);
            writer.Write(list.Count);
            foreach (var entry in list)
            {
                CheckpointValues.WriteRow(writer, entry.Sort);
                writer.Write(entry.Sequence);
                CheckpointValues.WriteRow(writer, entry.Row);
            }
        }
    }

    public void ReadState(BinaryReader reader)
    {
        sequence = reader.ReadInt64();
        var size = 0L;
        for (var p = CheckpointValues.ReadCount(reader); p > 0; p--)
        {
            var key = CheckpointValues.ReadKey(reader);
            var count = CheckpointValues.ReadCount(reader);
            var list = new List<Entry>(count);
            for (var i = 0; i < count; i++) list.Add(new Entry(CheckpointValues.ReadRow(reader), reader.ReadInt64(), CheckpointValues.ReadRow(reader)));
            partitions.Add(key, list);
            size += count;
        }
        stats.AddStateSize(size);
    }

    protected override void OnRow(Element row)
    {
        retractions.Clear();
        insertions.Clear();
        try
        {
            var values = row.Row!;
            var key = GroupKey.Of(partitionKeys, values);
            var sort = new object?[orderKeys.Length];
            for (var i = 0; i < sort.Length; i++) sort[i] = orderKeys[i](values);
            if (row.Kind == ElementKind.Insert) Insert(key, sort, values);
            else Retract(key, sort, values);
        }
        catch (Exception e)
        {
            Fail(e, description);
            return;
        }
        foreach (var (entry, rank) in retractions)
        {
            if (!Done) Downstream.OnNext(Element.Delete(entry.Emitted ?? Output(entry.Row, rank), row.Time));
        }
        foreach (var (entry, rank) in insertions)
        {
            var output = Output(entry.Row, rank);
            if (emitRank) entry.Emitted = output;
            if (!Done) Downstream.OnNext(Element.Insert(output, row.Time));
        }
    }

    private object?[] Output(object?[] row, long rank)
    {
        if (!emitRank) return row;
        var result = new object?[row.Length + 1];
        Array.Copy(row, result, row.Length);
        result[^1] = BoxedCounts.Of(rank);
        return result;
    }

    private void Insert(GroupKey key, object?[] sort, object?[] values)
    {
        if (!partitions.TryGetValue(key, out var list))
        {
            list = [];
            partitions.Add(key, list);
        }
        // Append-only: a row behind a full top N can never enter it (a later arrival loses ties, so >= 0).
        if (!keepAll && list.Count >= limit && comparer.CompareSort(sort, list[^1].Sort) >= 0) return;
        var entry = new Entry(sort, sequence++, values);
        var at = list.BinarySearch(entry, comparer);
        if (at < 0) at = ~at;
        if (at >= limit)
        {
            list.Insert(at, entry);
            stats.AddStateSize(1);
            return;
        }
        if (emitRank) Collect(list, at, retractions);
        else if (list.Count >= limit) retractions.Add((list[limit - 1], limit));
        list.Insert(at, entry);
        stats.AddStateSize(1);
        if (emitRank) Collect(list, at, insertions);
        else insertions.Add((entry, at + 1));
        if (!keepAll && list.Count > limit)
        {
            list.RemoveAt(list.Count - 1);
            stats.AddStateSize(-1);
        }
    }

    private void Retract(GroupKey key, object?[] sort, object?[] values)
    {
        if (!partitions.TryGetValue(key, out var list)) return;
        var at = Find(list, sort, values);
        if (at < 0) return; // a retraction of a row never kept (behind a full top N of an append-only input)
        if (at < limit)
        {
            if (emitRank) Collect(list, at, retractions);
            else retractions.Add((list[at], at + 1));
        }
        list.RemoveAt(at);
        stats.AddStateSize(-1);
        if (at < limit)
        {
            if (emitRank) Collect(list, at, insertions);
            else if (list.Count >= limit) insertions.Add((list[limit - 1], limit));
        }
        if (list.Count == 0) partitions.Remove(key);
    }

    /// <summary>The rows at positions <paramref name="from"/> up to the top N's end, with their ranks.</summary>
    private void Collect(List<Entry> list, int from, List<(Entry Entry, long Rank)> into)
    {
        var end = Math.Min(list.Count, limit);
        for (var i = from; i < end; i++) into.Add((list[i], i + 1));
    }

    /// <summary>The position of a stored row equal to <paramref name="values"/>, among those with the same sort key.</summary>
    private int Find(List<Entry> list, object?[] sort, object?[] values)
    {
        // The first entry whose sort key is not below the retracted one's (sequence -1 sorts before any stored copy).
        var probe = new Entry(sort, -1, values);
        var at = list.BinarySearch(probe, comparer);
        if (at < 0) at = ~at;
        for (var i = at; i < list.Count && comparer.CompareSort(list[i].Sort, sort) == 0; i++)
        {
            if (RowComparer.Instance.Equals(list[i].Row, values)) return i;
        }
        return -1;
    }

    /// <summary>Sort keys in ORDER BY order (NULL largest, as PostgreSQL's default), then arrival.</summary>
    private sealed class EntryComparer(bool[] descending) : IComparer<Entry>
    {
        public int Compare(Entry? x, Entry? y)
        {
            var c = CompareSort(x!.Sort, y!.Sort);
            return c != 0 ? c : x.Sequence.CompareTo(y.Sequence);
        }

        public int CompareSort(object?[] x, object?[] y)
        {
            for (var i = 0; i < x.Length; i++)
            {
                var a = x[i];
                var b = y[i];
                var c = a is null ? (b is null ? 0 : 1) : b is null ? -1 : ValueComparer.Compare(a, b);
                if (c != 0) return descending[i] ? -c : c;
            }
            return 0;
        }
    }
}
