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
    private readonly JoinState left = new(leftExpiry);
    private readonly JoinState right = new(rightExpiry);
    private readonly JoinRows rows = new(leftWidth, rightWidth);

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
            var stored = JoinState.None;
            if (insert)
            {
                // Keep the row only while a partner can still arrive on the other side.
                var expiresAfter = own.ExpiresAfter(values);
                if (expiresAfter >= (isLeft ? RightWatermark : LeftWatermark))
                {
                    stored = own.Store(values, t, key, expiresAfter);
                    stats.AddStateSize(1);
                }
            }
            else if (own.Remove(key, values)) stats.AddStateSize(-1);
            else return;

            var matches = 0;
            for (var seq = other.First(key); seq != JoinState.None;)
            {
                // Emitting never touches this operator's state, so the reference stays valid across it.
                ref var p = ref other.At(seq);
                seq = other.NextOf(seq);
                if (isLeft)
                {
                    if (!Matches(values, p.Row!)) continue;
                    matches++;
                    Emit(row.Kind, values, p.Row, appendOnly ? Math.Max(t, p.Time) : t);
                }
                else
                {
                    if (!Matches(p.Row!, values)) continue;
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
            if (isLeft)
            {
                if (stored != JoinState.None) own.At(stored).Matches = matches;
                if (leftOuter && matches == 0) Emit(row.Kind, values, null, t);
            }
        }
        catch (Exception e)
        {
            Fail(e, "join condition");
        }
    }

    protected override void OnWatermarksAdvanced()
    {
        var released = left.Expire(RightWatermark) + right.Expire(LeftWatermark);
        if (released > 0) stats.AddStateSize(-released);
    }
}
