using Sluice.Reactive.Aggregation;
using Sluice.Reactive.Runtime.Checkpoints;

namespace Sluice.Reactive.Operators;

/// <summary>How long a stored join row can still find partners: it expires once the other side's watermark passes
/// <c>time(Expression(row)) + Offset</c> (the earliest of several such bounds).</summary>
internal sealed record JoinExpiry(Func<object?[], object?> Expression, long Offset);

/// <summary>
/// Inner, left or full join, hashed on the equality keys. Rows are kept per key; when the join condition bounds the other
/// side's event time by a value of the stored row (interval joins, window joins, <c>b.t BETWEEN a.t AND a.expires</c>)
/// the row is released as soon as the other side's watermark passes that bound, so state stays flat on endless input.
/// Retractions on either side retract the joined rows. A left row without partners is emitted padded with NULLs
/// (LEFT JOIN; FULL JOIN pads either side) and retracted when its first partner arrives (and re-emitted if the last one leaves).
/// Append-only output is stamped with the later event time of the pair; changelog rows with the time of the row that caused them.
/// With <c>outputColumns</c> the output rows hold only those columns of the joined row (a SELECT list of plain columns above the join).
/// <c>leftKeyColumns</c>/<c>rightKeyColumns</c>: the row columns each side's keys are, when they are all plain columns (stored rows then do not keep a copy of a composite key).
/// </summary>
internal sealed class JoinSink(
    IObserver<Element> downstream,
    Func<object?[], object?>[] leftKeys,
    Func<object?[], object?>[] rightKeys,
    Func<object?[], bool>? condition,
    int leftWidth,
    int rightWidth,
    bool leftOuter,
    bool rightOuter,
    JoinExpiry[] leftExpiry,
    JoinExpiry[] rightExpiry,
    bool appendOnly,
    QueryStats stats,
    int[]? outputColumns = null,
    int[]? leftKeyColumns = null,
    int[]? rightKeyColumns = null) : BinarySink(downstream), ISnapshotCheckpointable
{
    private readonly JoinState left = new(leftExpiry, leftKeyColumns);
    private readonly JoinState right = new(rightExpiry, rightKeyColumns);
    private readonly JoinRows rows = new(leftWidth, rightWidth, outputColumns);
    private JoinStateCapture? idleCapture;
    private volatile bool captureOpen;

    private bool Matches(object?[] l, object?[] r) => condition is null || condition(rows.Scratch(l, r));

    private void Emit(ElementKind kind, object?[]? l, object?[]? r, long time)
    {
        if (!Done) Downstream.OnNext(new Element(kind, rows.Combine(l, r), time));
    }

    private void EmitPadded(ElementKind kind, object?[] row, bool rowIsLeft, long time)
    {
        if (rowIsLeft) Emit(kind, row, null, time);
        else Emit(kind, null, row, time);
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
                // NULL keys match nothing; a row of an outer side still appears padded.
                if (isLeft ? leftOuter : rightOuter) EmitPadded(row.Kind, values, isLeft, t);
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

            // Outer sides (LEFT: the left, FULL: both) keep a match count per stored row, so the NULL-padded row is
            // retracted when its first partner arrives and re-emitted when its last partner leaves.
            var otherOuter = isLeft ? rightOuter : leftOuter;
            var matches = 0;
            for (var seq = other.First(key); seq != JoinState.None;)
            {
                // Emitting never touches this operator's state, so the reference stays valid across it.
                ref var p = ref other.At(seq);
                seq = other.NextOf(seq);
                var (l, r) = isLeft ? (values, p.Row!) : (p.Row!, values);
                if (!Matches(l, r)) continue;
                matches++;
                if (insert)
                {
                    if (otherOuter && p.Matches == 0) EmitPadded(ElementKind.Delete, p.Row!, !isLeft, t);
                    p.Matches++;
                    Emit(ElementKind.Insert, l, r, appendOnly ? Math.Max(t, p.Time) : t);
                }
                else
                {
                    p.Matches--;
                    Emit(ElementKind.Delete, l, r, t);
                    if (otherOuter && p.Matches == 0) EmitPadded(ElementKind.Insert, p.Row!, !isLeft, t);
                }
            }
            if (stored != JoinState.None) own.At(stored).Matches = matches;
            if ((isLeft ? leftOuter : rightOuter) && matches == 0) EmitPadded(row.Kind, values, isLeft, t);
        }
        catch (Exception e)
        {
            Fail(e, "join condition");
        }
    }

    /// <summary>Both watermarks, then each side's stored rows with their match counts (outer joins' padding state) and expiry timers.</summary>
    public void WriteState(BinaryWriter writer)
    {
        WriteWatermarks(writer);
        left.WriteState(writer);
        right.WriteState(writer);
    }

    /// <summary>The state now, copied on the driver (the rings by block copy), serialized later on another thread (<see cref="JoinStateCapture"/>).</summary>
    public IStateCapture Capture()
    {
        if (captureOpen) throw new InvalidOperationException("A capture of this join's state is still open.");
        var capture = Interlocked.Exchange(ref idleCapture, null) ?? new JoinStateCapture(released =>
        {
            Volatile.Write(ref idleCapture, released);
            captureOpen = false;
        });
        captureOpen = true;
        capture.Take(WriteWatermarks, left, right);
        return capture;
    }

    public void ReadState(BinaryReader reader)
    {
        ReadWatermarks(reader);
        stats.AddStateSize(left.ReadState(reader) + right.ReadState(reader));
    }

    protected override void OnWatermarksAdvanced()
    {
        stats.AddStateSize(-(left.Expire(RightWatermark) + right.Expire(LeftWatermark)));
    }
}
