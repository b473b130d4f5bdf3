using Sluice.Reactive.Aggregation;

namespace Sluice.Reactive.Operators;

/// <summary>
/// Inner join of two append-only inputs whose event times are bounded against each other:
/// left time − right time ∈ [lower, upper] (interval joins; window joins have lower = upper = 0).
/// Each row is kept, hashed by its equality keys, only until the other side's watermark shows no partner can
/// still arrive; then it is released. Output rows are inserts, stamped with the later of the two event times.
/// </summary>
internal sealed class IntervalJoinSink(
    IObserver<Element> downstream,
    Func<object?[], object?>[] leftKeys,
    Func<object?[], object?>[] rightKeys,
    Func<object?[], bool>? condition,
    int leftWidth,
    int rightWidth,
    long lower,
    long upper,
    QueryStats stats) : BinarySink(downstream)
{
    private sealed class Entry(object?[] row, long time, GroupKey key)
    {
        public readonly object?[] Row = row;
        public readonly long Time = time;
        public readonly GroupKey Key = key;
    }

    private readonly Dictionary<GroupKey, List<Entry>> leftState = [];
    private readonly Dictionary<GroupKey, List<Entry>> rightState = [];
    private readonly PriorityQueue<Entry, long> leftExpiry = new();
    private readonly PriorityQueue<Entry, long> rightExpiry = new();
    private readonly JoinRows rows = new(leftWidth, rightWidth);

    protected override void OnRow(Element row, bool left)
    {
        if (row.Kind == ElementKind.Delete) return;
        try
        {
            var values = row.Row!;
            var key = GroupKey.Of(left ? leftKeys : rightKeys, values);
            if (key.HasNull) return;
            var t = row.Time;
            if (left)
            {
                if (rightState.TryGetValue(key, out var partners))
                {
                    foreach (var p in partners)
                    {
                        var d = t - p.Time;
                        if (d < lower || d > upper) continue;
                        if (condition is null || condition(rows.Scratch(values, p.Row)))
                            Downstream.OnNext(Element.Insert(rows.Combine(values, p.Row), Math.Max(t, p.Time)));
                        if (Done) return;
                    }
                }
                // Future right rows have time >= right watermark; this row needs one with time <= t - lower.
                var expiresAfter = t - lower;
                if (RightWatermark <= expiresAfter) Store(leftState, leftExpiry, new Entry(values, t, key), expiresAfter);
            }
            else
            {
                if (leftState.TryGetValue(key, out var partners))
                {
                    foreach (var p in partners)
                    {
                        var d = p.Time - t;
                        if (d < lower || d > upper) continue;
                        if (condition is null || condition(rows.Scratch(p.Row, values)))
                            Downstream.OnNext(Element.Insert(rows.Combine(p.Row, values), Math.Max(t, p.Time)));
                        if (Done) return;
                    }
                }
                var expiresAfter = t + upper;
                if (LeftWatermark <= expiresAfter) Store(rightState, rightExpiry, new Entry(values, t, key), expiresAfter);
            }
        }
        catch (Exception e)
        {
            Fail(e, "join condition");
        }
    }

    private void Store(Dictionary<GroupKey, List<Entry>> state, PriorityQueue<Entry, long> expiry, Entry entry, long expiresAfter)
    {
        if (!state.TryGetValue(entry.Key, out var list))
        {
            list = new List<Entry>(2);
            state.Add(entry.Key, list);
        }
        list.Add(entry);
        expiry.Enqueue(entry, expiresAfter);
        stats.AddStateSize(1);
    }

    protected override void OnWatermarksAdvanced()
    {
        Expire(leftState, leftExpiry, RightWatermark);
        Expire(rightState, rightExpiry, LeftWatermark);
    }

    private void Expire(Dictionary<GroupKey, List<Entry>> state, PriorityQueue<Entry, long> expiry, long otherWatermark)
    {
        var released = 0;
        while (expiry.TryPeek(out var entry, out var expiresAfter) && expiresAfter < otherWatermark)
        {
            expiry.Dequeue();
            var list = state[entry.Key];
            list.Remove(entry);
            if (list.Count == 0) state.Remove(entry.Key);
            released++;
        }
        if (released > 0) stats.AddStateSize(-released);
    }
}
