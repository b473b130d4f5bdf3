using Sluice.Reactive.Aggregation;
using Sluice.Reactive.Expressions;
using Sluice.Reactive.Runtime.Checkpoints;

namespace Sluice.Reactive.Operators;

/// <summary>
/// GROUP BY a window (TUMBLE/HOP window_start or window_end, or those columns of an upstream window result):
/// groups live in one bucket per window end; when the watermark reaches a window's end its rows are emitted once
/// (event time = window end) and the bucket is released. Rows for windows already emitted are late: dropped and counted.
/// </summary>
internal sealed class WindowAggregateSink(
    IObserver<Element> downstream,
    Func<object?[], object?>[] keys,
    int windowKey,
    long endOffset,
    AggregateSpec[] specs,
    QueryStats stats,
    string description) : UnarySink(downstream), ICheckpointable
{
    private readonly Dictionary<long, Dictionary<GroupKey, AggregateGroup>> windows = [];
    private readonly PriorityQueue<long, long> ends = new();
    private long watermark = Watermarks.Start;

    protected override void OnRow(Element row)
    {
        if (row.Kind == ElementKind.Delete)
        {
            Fail(new SqlEvaluationException("A windowed aggregate received a retraction"), description);
            return;
        }
        try
        {
            var values = row.Row!;
            var windowValue = keys[windowKey](values);
            long end;
            if (windowValue is DateTime t) end = t.Ticks + endOffset;
            else if (DynamicOps.ToTimestamp(windowValue) is { } parsed) end = parsed.Ticks + endOffset;
            else return;
            if (end <= watermark)
            {
                stats.AddLateEvents(1);
                return;
            }
            if (!windows.TryGetValue(end, out var groups))
            {
                groups = [];
                windows.Add(end, groups);
                ends.Enqueue(end, end);
            }
            var key = GroupKey.Of(keys, values);
            if (!groups.TryGetValue(key, out var group))
            {
                group = new AggregateGroup(key, AggregateSpec.CreateAll(specs));
                groups.Add(key, group);
                stats.AddStateSize(1);
            }
            group.Add(specs, values);
        }
        catch (Exception e)
        {
            Fail(e, description);
        }
    }

    /// <summary>The watermark, the queue of window ends, and each open window's groups (in their emission order).</summary>
    public void WriteState(BinaryWriter writer)
    {
        writer.Write(watermark);
        CheckpointQueues.Write(writer, ends, (end, _) => writer.Write(end));
        writer.Write(windows.Count);
        foreach (var (end, groups) in windows)
        {
            writer.Write(end);
            writer.Write(groups.Count);
            foreach (var group in groups.Values) AggregateGroup.Write(writer, group);
        }
    }

    public void ReadState(BinaryReader reader)
    {
        watermark = reader.ReadInt64();
        CheckpointQueues.Read(reader, ends, () =>
        {
            var end = reader.ReadInt64();
            return (end, end);
        });
        var total = 0L;
        for (var w = CheckpointValues.ReadCount(reader); w > 0; w--)
        {
            var end = reader.ReadInt64();
            var count = CheckpointValues.ReadCount(reader);
            var groups = new Dictionary<GroupKey, AggregateGroup>(count);
            for (var i = 0; i < count; i++)
            {
                var group = AggregateGroup.Read(reader, specs);
                groups.Add(group.Key, group);
            }
            windows.Add(end, groups);
            total += count;
        }
        stats.AddStateSize(total);
    }

    protected override void OnWatermark(long value)
    {
        if (value <= watermark) return;
        watermark = value;
        while (ends.TryPeek(out var end, out _) && end <= value)
        {
            ends.Dequeue();
            var groups = windows[end];
            windows.Remove(end);
            stats.AddStateSize(-groups.Count);
            foreach (var group in groups.Values)
            {
                if (Done) return;
                Downstream.OnNext(Element.Insert(group.ToRow(), end));
            }
        }
        if (!Done) Downstream.OnNext(Element.Watermark(value));
    }
}
