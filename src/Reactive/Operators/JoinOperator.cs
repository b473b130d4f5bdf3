using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Sluice.Reactive.Aggregation;

namespace Sluice.Reactive.Operators;

/// <summary>How long a stored join row can still find partners: it expires once the other side's watermark passes
/// <c>time(Expression(row)) + Offset</c> (the earliest of several such bounds).</summary>
internal sealed record JoinExpiry(Func<object?[], object?> Expression, long Offset);

/// <summary>
/// Inner or left join, hashed on the equality keys. Rows are kept per key; when the join condition bounds the other
/// side's event time by a value of the stored row (interval joins, window joins, <c>b.t BETWEEN a.t AND a.expires</c>)
/// the row is released as soon as the other side's watermark passes that bound, so state stays flat on endless input.
/// Retractions on either side retract the joined rows. A left row without partners is emitted padded with NULLs
/// (LEFT JOIN) and retracted when its first partner arrives (and re-emitted if the last one leaves).
/// Append-only output is stamped with the later event time of the pair; changelog rows with the time of the row that caused them.
/// </summary>
internal sealed class JoinSink(
    IObserver<Element> downstream,
    Func<object?[], object?>[] leftKeys,
    Func<object?[], object?>[] rightKeys,
    Func<object?[], bool>? condition,
    int leftWidth,
    int rightWidth,
    bool leftOuter,
    JoinExpiry[] leftExpiry,
    JoinExpiry[] rightExpiry,
    bool appendOnly,
    QueryStats stats) : BinarySink(downstream)
{
    /// <summary>
    /// A stored row. Rows of one key form a chain, oldest first (one allocation per row, none per key); the
    /// dictionary holds the head, and only the head's <see cref="Tail"/> is kept up to date. Rows whose expiry
    /// times arrive in order therefore expire from the head in O(1).
    /// </summary>
    private sealed class Entry(object?[] row, long time, GroupKey key)
    {
        public readonly object?[] Row = row;
        public readonly long Time = time;
        public readonly GroupKey Key = key;
        public Entry? Next;
        public Entry? Tail;
        public int Matches;
        public bool Expired;
    }

    private readonly Side left = new(leftExpiry);
    private readonly Side right = new(rightExpiry);
    private readonly JoinRows rows = new(leftWidth, rightWidth);
    private readonly HashSet<GroupKey> touched = [];

    private sealed class Side(JoinExpiry[] expiry)
    {
        public readonly Dictionary<GroupKey, Entry> State = [];
        // Expiry times mostly arrive in order: those go to a FIFO (O(1)); the rest to a priority queue.
        public readonly Queue<(Entry Entry, long ExpiresAfter)> OrderedTimers = new();
        public readonly PriorityQueue<Entry, long> Timers = new();
        public long LastOrdered = long.MinValue;
        public readonly JoinExpiry[] Expiry = expiry;

        /// <summary>The latest other-side event time this row could still match; long.MaxValue when unbounded.</summary>
        public long ExpiresAfter(object?[] row)
        {
            var result = long.MaxValue;
            foreach (var e in Expiry)
            {
                if (Windows.WindowAssigner.Ticks(e.Expression(row)) is not { } t) return long.MinValue; // NULL bound: matches nothing
                result = Math.Min(result, t + e.Offset);
            }
            return result;
        }
    }

    private bool Matches(object?[] l, object?[] r) => condition is null || condition(rows.Scratch(l, r));

    private void Emit(ElementKind kind, object?[]? l, object?[]? r, long time)
    {
        if (!Done) Downstream.OnNext(new Element(kind, rows.Combine(l, r), time));
    }

    protected override void OnRow(Element row, bool isLeft)
    {
        try
        {
            var values = row.Row!;
            var key = GroupKey.Of(isLeft ? leftKeys : rightKeys, values);
            var insert = row.Kind == ElementKind.Insert;
            var t = row.Time;
            if (key.HasNull)
            {
                // NULL keys match nothing; a left row still appears padded in a LEFT JOIN.
                if (isLeft && leftOuter) Emit(row.Kind, values, null, t);
                return;
            }
            var own = isLeft ? left : right;
            var other = isLeft ? right : left;
            Entry? entry = null;
            if (insert)
            {
                var expiresAfter = own.ExpiresAfter(values);
                entry = new Entry(values, t, key);
                // Keep the row only while a partner can still arrive on the other side.
                if (expiresAfter >= (isLeft ? RightWatermark : LeftWatermark)) Store(own, entry, expiresAfter);
            }
            else if (isLeft)
            {
                entry = Remove(own, key, values);
                if (entry is null) return;
            }
            else if (Remove(own, key, values) is null) return;

            var matches = 0;
            if (other.State.TryGetValue(key, out var head))
            {
                for (var p = head; p is not null; p = p.Next)
                {
                    if (p.Expired) continue;
                    if (isLeft)
                    {
                        if (!Matches(values, p.Row)) continue;
                        matches++;
                        Emit(row.Kind, values, p.Row, appendOnly ? Math.Max(t, p.Time) : t);
                    }
                    else
                    {
                        if (!Matches(p.Row, values)) continue;
                        if (insert)
                        {
                            if (leftOuter && p.Matches == 0) Emit(ElementKind.Delete, p.Row, null, t);
                            p.Matches++;
                            Emit(ElementKind.Insert, p.Row, values, appendOnly ? Math.Max(t, p.Time) : t);
                        }
                        else
                        {
                            p.Matches--;
                            Emit(ElementKind.Delete, p.Row, values, t);
                            if (leftOuter && p.Matches == 0) Emit(ElementKind.Insert, p.Row, null, t);
                        }
                    }
                    if (Done) return;
                }
            }
            if (isLeft)
            {
                if (insert) entry!.Matches = matches;
                if (leftOuter && matches == 0) Emit(row.Kind, values, null, t);
            }
        }
        catch (Exception e)
        {
            Fail(e, "join condition");
        }
    }

    private void Store(Side side, Entry entry, long expiresAfter)
    {
        ref var head = ref CollectionsMarshal.GetValueRefOrAddDefault(side.State, entry.Key, out _);
        if (head is null)
        {
            head = entry;
            entry.Tail = entry;
        }
        else
        {
            head.Tail!.Next = entry;
            head.Tail = entry;
        }
        if (expiresAfter != long.MaxValue)
        {
            if (expiresAfter >= side.LastOrdered)
            {
                side.OrderedTimers.Enqueue((entry, expiresAfter));
                side.LastOrdered = expiresAfter;
            }
            else side.Timers.Enqueue(entry, expiresAfter);
        }
        stats.AddStateSize(1);
    }

    private Entry? Remove(Side side, GroupKey key, object?[] values)
    {
        if (!side.State.TryGetValue(key, out var head)) return null;
        Entry? previous = null;
        for (var entry = head; entry is not null; previous = entry, entry = entry.Next)
        {
            if (!GroupAggregateSink.SameValues(entry.Row, values)) continue;
            if (previous is not null)
            {
                previous.Next = entry.Next;
                if (head.Tail == entry) head.Tail = previous;
            }
            else if (entry.Next is not null)
            {
                entry.Next.Tail = entry.Tail;
                side.State[key] = entry.Next;
            }
            else side.State.Remove(key);
            entry.Next = null;
            stats.AddStateSize(-1);
            return entry;
        }
        return null;
    }

    protected override void OnWatermarksAdvanced()
    {
        Expire(left, RightWatermark);
        Expire(right, LeftWatermark);
    }

    private int MarkExpired(Side side, Entry entry)
    {
        entry.Expired = true;
        ref var head = ref CollectionsMarshal.GetValueRefOrNullRef(side.State, entry.Key);
        if (Unsafe.IsNullRef(ref head)) return 1;
        if (head != entry)
        {
            touched.Add(entry.Key); // out of order: swept below
            return 1;
        }
        var next = entry.Next;
        while (next is not null && next.Expired) next = next.Next;
        if (next is null) side.State.Remove(entry.Key);
        else
        {
            next.Tail = head!.Tail;
            head = next;
        }
        return 1;
    }

    private void Expire(Side side, long otherWatermark)
    {
        var released = 0;
        while (side.OrderedTimers.TryPeek(out var timer) && timer.ExpiresAfter < otherWatermark)
        {
            side.OrderedTimers.Dequeue();
            released += MarkExpired(side, timer.Entry);
        }
        while (side.Timers.TryPeek(out var entry, out var expiresAfter) && expiresAfter < otherWatermark)
        {
            side.Timers.Dequeue();
            released += MarkExpired(side, entry);
        }
        // One sweep per key however many of its rows expired (rows of a window often expire together).
        foreach (var key in touched)
        {
            if (!side.State.TryGetValue(key, out var head)) continue;
            while (head is not null && head.Expired) head = head.Next;
            if (head is null)
            {
                side.State.Remove(key);
                continue;
            }
            var last = head;
            for (var entry = head; entry.Next is not null;)
            {
                if (entry.Next.Expired) entry.Next = entry.Next.Next;
                else entry = entry.Next;
                last = entry;
            }
            head.Tail = last;
            side.State[key] = head;
        }
        touched.Clear();
        if (released > 0) stats.AddStateSize(-released);
    }
}
