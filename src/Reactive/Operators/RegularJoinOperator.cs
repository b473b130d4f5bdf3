using Sluice.Reactive.Aggregation;

namespace Sluice.Reactive.Operators;

/// <summary>
/// Inner or left join without time bounds: every row is kept per key (state grows with the distinct rows seen).
/// Retractions on either side retract the joined rows. A left row without partners is emitted padded with NULLs
/// (LEFT JOIN) and that row is retracted when its first partner arrives (and re-emitted if the last one leaves).
/// Output rows carry the event time of the row that caused them.
/// </summary>
internal sealed class RegularJoinSink(
    IObserver<Element> downstream,
    Func<object?[], object?>[] leftKeys,
    Func<object?[], object?>[] rightKeys,
    Func<object?[], bool>? condition,
    int leftWidth,
    int rightWidth,
    bool leftOuter,
    QueryStats stats) : BinarySink(downstream)
{
    private sealed class Entry(object?[] row)
    {
        public readonly object?[] Row = row;
        public int Matches;
    }

    private readonly Dictionary<GroupKey, List<Entry>> leftState = [];
    private readonly Dictionary<GroupKey, List<Entry>> rightState = [];
    private readonly JoinRows rows = new(leftWidth, rightWidth);

    private bool Matches(object?[] left, object?[] right) => condition is null || condition(rows.Scratch(left, right));

    private void Emit(ElementKind kind, object?[]? left, object?[]? right, long time)
    {
        if (!Done) Downstream.OnNext(new Element(kind, rows.Combine(left, right), time));
    }

    protected override void OnRow(Element row, bool left)
    {
        try
        {
            var values = row.Row!;
            var key = GroupKey.Of(left ? leftKeys : rightKeys, values);
            var insert = row.Kind == ElementKind.Insert;
            var t = row.Time;
            if (key.HasNull)
            {
                // NULL keys match nothing; a left row still appears padded in a LEFT JOIN.
                if (left && leftOuter) Emit(row.Kind, values, null, t);
                return;
            }
            if (left)
            {
                Entry entry;
                if (insert)
                {
                    entry = new Entry(values);
                    Add(leftState, key, entry);
                }
                else if (Remove(leftState, key, values) is { } removed) entry = removed;
                else return;

                var matches = 0;
                if (rightState.TryGetValue(key, out var partners))
                {
                    foreach (var p in partners)
                    {
                        if (!Matches(values, p.Row)) continue;
                        matches++;
                        Emit(row.Kind, values, p.Row, t);
                    }
                }
                if (insert) entry.Matches = matches;
                if (leftOuter && matches == 0) Emit(row.Kind, values, null, t);
            }
            else
            {
                if (insert) Add(rightState, key, new Entry(values));
                else if (Remove(rightState, key, values) is null) return;

                if (leftState.TryGetValue(key, out var partners))
                {
                    foreach (var p in partners)
                    {
                        if (!Matches(p.Row, values)) continue;
                        if (insert)
                        {
                            if (leftOuter && p.Matches == 0) Emit(ElementKind.Delete, p.Row, null, t);
                            p.Matches++;
                            Emit(ElementKind.Insert, p.Row, values, t);
                        }
                        else
                        {
                            p.Matches--;
                            Emit(ElementKind.Delete, p.Row, values, t);
                            if (leftOuter && p.Matches == 0) Emit(ElementKind.Insert, p.Row, null, t);
                        }
                    }
                }
            }
        }
        catch (Exception e)
        {
            Fail(e, "join condition");
        }
    }

    private void Add(Dictionary<GroupKey, List<Entry>> state, GroupKey key, Entry entry)
    {
        if (!state.TryGetValue(key, out var list))
        {
            list = new List<Entry>(1);
            state.Add(key, list);
        }
        list.Add(entry);
        stats.AddStateSize(1);
    }

    private Entry? Remove(Dictionary<GroupKey, List<Entry>> state, GroupKey key, object?[] values)
    {
        if (!state.TryGetValue(key, out var list)) return null;
        for (var i = 0; i < list.Count; i++)
        {
            if (!GroupAggregateSink.SameValues(list[i].Row, values)) continue;
            var entry = list[i];
            list.RemoveAt(i);
            if (list.Count == 0) state.Remove(key);
            stats.AddStateSize(-1);
            return entry;
        }
        return null;
    }

    protected override void OnWatermarksAdvanced()
    {
    }
}
