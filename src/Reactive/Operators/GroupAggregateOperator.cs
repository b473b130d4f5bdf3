using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;
using Sluice.Reactive.Aggregation;
using Sluice.Reactive.Runtime.Checkpoints;

namespace Sluice.Reactive.Operators;

/// <summary>
/// GROUP BY without a window: an updating result. Each change to a group retracts the row it emitted before
/// (Delete) and emits the new one (Insert); a group whose rows are all retracted is deleted and released.
/// Input retractions are applied, so aggregates can be nested. With <paramref name="outputColumns"/> (a SELECT list of
/// plain columns above it) rows are built in that layout: column i is the aggregate row's column <c>outputColumns[i]</c>.
/// Once the host turns mini-batching on (<see cref="BeginBatches"/>), rows change their groups without emitting and each
/// flush emits one pair per group the batch changed (docs/engine.md, "Mini-batching").
/// </summary>
internal sealed class GroupAggregateSink(
    IObserver<Element> downstream,
    Func<object?[], object?>[] keys,
    AggregateSpec[] specs,
    QueryStats stats,
    string description,
    int[]? outputColumns = null) : UnarySink(downstream), ISnapshotCheckpointable, IBatchedOperator
{
    private readonly GroupTable groups = new();

    // When every result is cheap to read, a group of fewer rows than BoxedCounts caches does not keep the row it
    // emitted: the next change rebuilds it from the state just before (exact, as after a restore). Such groups are the
    // many cold ones (Nexmark q16: ten thousand channels), where a kept row outlives the young generation, is promoted
    // and card-marked, and is one more object out of cache per change. A larger group keeps its row: it is touched
    // often (in cache), and its next row reuses the boxes of the counts that did not change.
    private readonly bool rebuildsLastRow = specs.All(s => s.ResultIsCheap);

    // Counts, shared distinct counts and append-only MIN/MAX kept inline in the group object (PackedAggregateGroup), when there are several.
    private readonly PackedLayout? layout = PackedLayout.For(specs);
    // Where each output column of a packed group comes from (a field initializer cannot read 'layout', so the plan reads a
    // layout of its own: the same choice for the same specs).
    private readonly PackedRowPlan? rowPlan = PackedLayout.For(specs)?.PlanRow(keys.Length, outputColumns);
    private int captureEpoch;
    private volatile GroupTableCapture? openCapture;

    // After a restore, the groups no event has touched yet, still as checkpoint bytes; null once every one was (or without a restore).
    private RestoredGroups? restored;

    // Mini-batching: the groups the current batch changed; null while the operator emits per row (no host flushes it).
    private ChangedGroups? batch;

    public void BeginBatches() => batch ??= new ChangedGroups();

    /// <summary>The table as it is now, written later on another thread (<see cref="GroupTableCapture"/>): the driver pauses only to copy references.</summary>
    public IStateCapture Capture()
    {
        if (openCapture is not null) throw new InvalidOperationException("A capture of this GROUP BY's table is still open.");
        ThrowIfInBatch();
        var capture = new GroupTableCapture(groups.ToArray(), restored?.Snapshot(), ++captureEpoch, outputColumns, released => Interlocked.CompareExchange(ref openCapture, null, released));
        openCapture = capture;
        return capture;
    }

    /// <summary>Each group: key, accumulators, row count and the row it last emitted (what its next change retracts).</summary>
    public void WriteState(BinaryWriter writer)
    {
        ThrowIfInBatch();
        var untouched = restored?.Snapshot();
        writer.Write(groups.Count + (untouched?.Count ?? 0));
        foreach (var group in groups.Groups) AggregateGroup.Write(writer, group, outputColumns);
        untouched?.Write(writer);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // recovery only: CheckpointValues.ReadKey says why
    public void ReadState(BinaryReader reader)
    {
        var count = CheckpointValues.ReadCount(reader);
        // Lazily: each group is decoded when an event first looks its key up (RestoredGroups says why).
        restored = RestoredGroups.Scan(reader, count, specs);
        if (restored is null)
        {
            groups.EnsureCapacity(count);
            for (var i = 0; i < count; i++)
            {
                var group = AggregateGroup.Read(reader, specs, outputColumns, layout);
                groups.Add(group);
            }
        }
        else if (restored.Remaining == 0) restored = null;
        stats.AddStateSize(count);
    }

    protected override void OnRow(Element row)
    {
        object?[]? retract, insert;
        try
        {
            var values = row.Row!;
            var key = GroupKey.Of(keys, values);
            if (!groups.TryGetValue(key, out var group) && !TryTakeRestored(key, out group))
            {
                if (row.Kind == ElementKind.Delete) return; // retraction of something never seen
                // Born after any open capture: none writes it.
                group = AggregateGroup.Create(key, specs, layout);
                group.ClaimedEpoch = captureEpoch;
                group.WrittenEpoch = captureEpoch;
                groups.Add(group);
                stats.AddStateSize(1);
            }
            else
            {
                // A capture still writing the table gets this group as it is, before it changes.
                openCapture?.BeforeChange(group);
            }
            if (batch is not null)
            {
                ChangeInBatch(batch, group, key, row);
                return;
            }
            // What the group emitted last (rebuilt from the state before it changes when not kept). A local, not stored in
            // the group: a group in an older generation pointing at a new row would be one more card for every gen0 collection.
            var last = LastEmitted(group);
            Change(group, key, row);
            Settle(group, last, out retract, out insert);
        }
        catch (Exception e)
        {
            Fail(e, description);
            return;
        }
        if (retract is not null) Downstream.OnNext(Element.Delete(retract, row.Time));
        if (insert is not null && !Done) Downstream.OnNext(Element.Insert(insert, row.Time));
    }

    // The first change of a group in a batch remembers what it emitted before (what the flush compares with and retracts);
    // later changes only move the time its flushed rows carry.
    private void ChangeInBatch(ChangedGroups changed, AggregateGroup group, in GroupKey key, in Element row)
    {
        if (group.BatchSlot != 0) changed[group.BatchSlot - 1].Time = row.Time;
        else if (!changed.TryRevive(key, group, row.Time)) changed.Add(group, LastEmitted(group), row.Time);
        if (Change(group, key, row)) changed.Emptied(key, group.BatchSlot);
    }

    /// <summary>Ends a batch: one pair (or a lone retraction or insertion) per group it changed, then the watermark it held back.</summary>
    public void Flush()
    {
        if (batch is null || Done) return;
        for (var i = 0; i < batch.Count && !Done; i++)
        {
            ref var entry = ref batch[i];
            var group = entry.Group;
            var time = entry.Time;
            group.BatchSlot = 0;
            object?[]? retract, insert;
            try
            {
                Settle(group, entry.LastEmitted, out retract, out insert);
            }
            catch (Exception e)
            {
                Fail(e, description);
                break;
            }
            if (retract is not null) Downstream.OnNext(Element.Delete(retract, time));
            if (insert is not null && !Done) Downstream.OnNext(Element.Insert(insert, time));
        }
        batch.Clear();
        if (batch.HeldWatermark is { } watermark)
        {
            batch.HeldWatermark = null;
            if (!Done) Downstream.OnNext(Element.Watermark(watermark));
        }
    }

    // A watermark inside a batch waits for the batch's rows (none may follow a watermark past its time), instead of
    // flushing: at ten bids per millisecond of event time, a flush per watermark would be a flush per ten rows.
    protected override void OnWatermark(long watermark)
    {
        if (batch is { Count: > 0 } && watermark != Watermarks.Infinite)
        {
            batch.HeldWatermark = watermark;
            return;
        }
        Flush();
        if (!Done) Downstream.OnNext(Element.Watermark(watermark));
    }

    private object?[]? LastEmitted(AggregateGroup group) => group.LastEmitted ?? (group.LastEmittedIsResult ? RowOf(group, null) : null);

    // Applies the row to its group; true when that removed the group's last row, and with it the group.
    private bool Change(AggregateGroup group, in GroupKey key, in Element row)
    {
        if (row.Kind == ElementKind.Insert) group.Add(specs, row.Row!);
        else group.Retract(specs, row.Row!);
        if (group.Rows > 0) return false;
        groups.Remove(key);
        stats.AddStateSize(-1);
        return true;
    }

    // What a group that changed emits, given what it emitted before: nothing when its row is the same, the old row alone
    // when it lost its last row, else the old row's retraction and the new row. Notes what the group emitted last.
    private void Settle(AggregateGroup group, object?[]? last, out object?[]? retract, out object?[]? insert)
    {
        retract = last;
        insert = null;
        if (group.Rows <= 0) return;
        var next = RowOf(group, last);
        if (last is not null && SameValues(last, next))
        {
            // Nothing to emit; a checkpoint may store a marker for the row only if it is the result exactly (1.0 is not 1.00).
            group.LastEmittedIsResult = AggregateGroup.Identical(last, next);
            group.LastEmitted = group.LastEmittedIsResult && RebuildsLastRow(group) ? null : last;
            retract = null;
            return;
        }
        insert = next;
        group.LastEmitted = RebuildsLastRow(group) ? null : next;
        group.LastEmittedIsResult = true;
    }

    private void ThrowIfInBatch()
    {
        if (batch is { Count: > 0 }) throw new InvalidOperationException("This GROUP BY is in the middle of a batch: the host flushes before it takes a checkpoint.");
    }

    // A restored group no event touched yet, decoded now and moved into the table; it is not in any open capture's
    // table (which holds its checkpoint bytes as they were), like a group born after the capture.
    private bool TryTakeRestored(in GroupKey key, [MaybeNullWhen(false)] out AggregateGroup group)
    {
        if (restored is null || !restored.TryTake(key, specs, outputColumns, layout, out group))
        {
            group = null;
            return false;
        }
        group.ClaimedEpoch = captureEpoch;
        group.WrittenEpoch = captureEpoch;
        groups.Add(group);
        if (restored.Remaining == 0) restored = null;
        return true;
    }

    // The group's row in the output layout; a packed group's by its plan, worked out once.
    private object?[] RowOf(AggregateGroup group, object?[]? previous) =>
        rowPlan is null ? group.ToRow(outputColumns, previous) : rowPlan.Row((PackedAggregateGroup)group, previous);

    private bool RebuildsLastRow(AggregateGroup group) => rebuildsLastRow && group.Rows < BoxedCounts.Cached;

    internal static bool SameValues(object?[] a, object?[] b)
    {
        for (var i = 0; i < a.Length; i++)
        {
            if (!Equals(a[i], b[i])) return false;
        }
        return true;
    }
}
