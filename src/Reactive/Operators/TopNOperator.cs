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
    private readonly Dictionary<GroupKey, Partition> partitions = [];
    private readonly SortOrder order = new(descending);
    private readonly List<object?[]> retractions = [];
    private readonly List<object?[]> insertions = [];
    private long sequence;

    /// <summary>
    /// One kept row. <see cref="Sort"/> is the ORDER BY value itself when there is one key (no array per row), else an
    /// array of them; <see cref="Emitted"/> is the row last emitted with its rank (when the rank is a column), retracted as is.
    /// </summary>
    private struct Entry(object? sort, long sequence, object?[] row)
    {
        public readonly object? Sort = sort;
        public readonly long Sequence = sequence;
        public readonly object?[] Row = row;
        public object?[]? Emitted;
    }

    /// <summary>
    /// A partition's kept rows in rank order, inline in one array (no object per row) that grows up to
    /// <paramref name="most"/> entries (N + 1 over an append-only input: the row pushed out is removed right after).
    /// </summary>
    private sealed class Partition(int capacity, int most)
    {
        public Entry[] Items = new Entry[capacity];
        public int Count;

        public void Insert(int at, Entry entry)
        {
            if (Count == Items.Length) Array.Resize(ref Items, Math.Max(Count + 1, (int)Math.Min(Items.Length * 2L, most)));
            Array.Copy(Items, at, Items, at + 1, Count - at);
            Items[at] = entry;
            Count++;
        }

        public void RemoveAt(int at)
        {
            Count--;
            Array.Copy(Items, at + 1, Items, at, Count - at);
            Items[Count] = default;
        }
    }

    /// <summary>The arrival counter (it breaks ties) and each partition's kept rows, in rank order.</summary>
    public void WriteState(BinaryWriter writer)
    {
        writer.Write(sequence);
        writer.Write(partitions.Count);
        foreach (var (key, partition) in partitions)
        {
            CheckpointValues.WriteKey(writer, key);
            writer.Write(partition.Count);
            for (var i = 0; i < partition.Count; i++)
            {
                var entry = partition.Items[i];
                CheckpointValues.WriteRow(writer, orderKeys.Length == 1 ? [entry.Sort] : (object?[])entry.Sort!);
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
            var partition = new Partition(Math.Max(count, 1), MostKept);
            for (var i = 0; i < count; i++)
            {
                var sort = CheckpointValues.ReadRow(reader);
                partition.Items[i] = new Entry(orderKeys.Length == 1 ? sort[0] : sort, reader.ReadInt64(), CheckpointValues.ReadRow(reader));
            }
            partition.Count = count;
            partitions.Add(key, partition);
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
            var sort = SortOf(values);
            if (row.Kind == ElementKind.Insert) Insert(key, sort, values);
            else Retract(key, sort, values);
        }
        catch (Exception e)
        {
            Fail(e, description);
            return;
        }
        foreach (var retracted in retractions)
        {
            if (!Done) Downstream.OnNext(Element.Delete(retracted, row.Time));
        }
        foreach (var inserted in insertions)
        {
            if (!Done) Downstream.OnNext(Element.Insert(inserted, row.Time));
        }
    }

    private int MostKept => keepAll ? int.MaxValue : limit + 1;

    private object? SortOf(object?[] values)
    {
        if (orderKeys.Length == 1) return orderKeys[0](values);
        var sort = new object?[orderKeys.Length];
        for (var i = 0; i < sort.Length; i++) sort[i] = orderKeys[i](values);
        return sort;
    }

    private object?[] Output(object?[] row, long rank)
    {
        if (!emitRank) return row;
        var result = new object?[row.Length + 1];
        Array.Copy(row, result, row.Length);
        result[^1] = BoxedCounts.Of(rank);
        return result;
    }

    private void Insert(GroupKey key, object? sort, object?[] values)
    {
        if (!partitions.TryGetValue(key, out var partition))
        {
            partition = new Partition(Math.Min(4, MostKept), MostKept);
            partitions.Add(key, partition);
        }
        // Append-only: a row behind a full top N can never enter it (a later arrival loses ties, so >= 0).
        if (!keepAll && partition.Count >= limit && CompareSort(sort, partition.Items[partition.Count - 1].Sort) >= 0) return;
        // The new row has the highest arrival number, so it goes after every row that does not sort after it.
        var at = FirstAfter(partition, sort);
        partition.Insert(at, new Entry(sort, sequence++, values));
        stats.AddStateSize(1);
        if (at >= limit) return;
        if (emitRank)
        {
            // Every row from the new one's place on moves one rank down: its old row out, the new one in.
            var end = Math.Min(partition.Count, limit + 1);
            for (var i = at + 1; i < end; i++) retractions.Add(EmittedRow(ref partition.Items[i], i));
            EmitFrom(partition, at);
        }
        else
        {
            if (partition.Count > limit) retractions.Add(partition.Items[limit].Row);
            insertions.Add(values);
        }
        if (!keepAll && partition.Count > limit)
        {
            partition.RemoveAt(partition.Count - 1);
            stats.AddStateSize(-1);
        }
    }

    private void Retract(GroupKey key, object? sort, object?[] values)
    {
        if (!partitions.TryGetValue(key, out var partition)) return;
        var at = Find(partition, sort, values);
        if (at < 0) return; // a retraction of a row never kept (behind a full top N of an append-only input)
        if (at < limit)
        {
            if (emitRank)
            {
                var end = Math.Min(partition.Count, limit);
                for (var i = at; i < end; i++) retractions.Add(EmittedRow(ref partition.Items[i], i + 1));
            }
            else retractions.Add(partition.Items[at].Row);
        }
        partition.RemoveAt(at);
        stats.AddStateSize(-1);
        if (at < limit)
        {
            if (emitRank) EmitFrom(partition, at);
            else if (partition.Count >= limit) insertions.Add(partition.Items[limit - 1].Row);
        }
        if (partition.Count == 0) partitions.Remove(key);
    }

    /// <summary>The row emitted for the entry at rank <paramref name="rank"/> (built again after a restore, which keeps no emitted rows).</summary>
    private object?[] EmittedRow(ref Entry entry, long rank) => entry.Emitted ?? Output(entry.Row, rank);

    /// <summary>Emits the rows at positions <paramref name="from"/> up to the top N's end with their ranks, remembering each.</summary>
    private void EmitFrom(Partition partition, int from)
    {
        var end = Math.Min(partition.Count, limit);
        for (var i = from; i < end; i++)
        {
            ref var entry = ref partition.Items[i];
            entry.Emitted = Output(entry.Row, i + 1);
            insertions.Add(entry.Emitted);
        }
    }

    /// <summary>The first position whose row sorts after <paramref name="sort"/> (binary search).</summary>
    private int FirstAfter(Partition partition, object? sort)
    {
        int low = 0, high = partition.Count;
        while (low < high)
        {
            var mid = (low + high) >>> 1;
            if (CompareSort(partition.Items[mid].Sort, sort) <= 0) low = mid + 1;
            else high = mid;
        }
        return low;
    }

    /// <summary>The position of a stored row equal to <paramref name="values"/>, among those with the same sort key.</summary>
    private int Find(Partition partition, object? sort, object?[] values)
    {
        // The first entry whose sort key is not below the retracted one's.
        int low = 0, high = partition.Count;
        while (low < high)
        {
            var mid = (low + high) >>> 1;
            if (CompareSort(partition.Items[mid].Sort, sort) < 0) low = mid + 1;
            else high = mid;
        }
        for (var i = low; i < partition.Count && CompareSort(partition.Items[i].Sort, sort) == 0; i++)
        {
            if (RowComparer.Instance.Equals(partition.Items[i].Row, values)) return i;
        }
        return -1;
    }

    private int CompareSort(object? x, object? y) => orderKeys.Length == 1 ? order.Compare(x, y, 0) : order.Compare((object?[])x!, (object?[])y!);

    /// <summary>Sort keys in ORDER BY order (NULL largest, as PostgreSQL's default); arrival breaks ties (stored order).</summary>
    private sealed class SortOrder(bool[] descending)
    {
        public int Compare(object?[] x, object?[] y)
        {
            for (var i = 0; i < x.Length; i++)
            {
                var c = Compare(x[i], y[i], i);
                if (c != 0) return c;
            }
            return 0;
        }

        public int Compare(object? a, object? b, int key)
        {
            var c = a is null ? (b is null ? 0 : 1) : b is null ? -1 : ValueComparer.Compare(a, b);
            return descending[key] ? -c : c;
        }
    }
}
