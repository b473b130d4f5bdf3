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
    int[]? outputColumns = null,
    RowErrorScope? errors = null) : UnarySink(downstream), ISnapshotCheckpointable, IBatchedOperator
{
    // Mini-batching applies a row a few rows after it came (PendingRows): it is hashed HashLag rows later, its group is
    // loaded ProbeLag rows later and it is applied ApplyLag rows later, so the cache misses of a cold group (its key
    // string, the table's slot, the group) of about a dozen rows are in flight at once instead of one after the other.
    private const int HashLag = 4;
    private const int ProbeLag = 8;
    private const int ApplyLag = 12;

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
    // How much of a group to load ahead of applying a row to it: all of a packed group (q16's is about 1.3 kB, its
    // distinct tables' entries inline, and a row probes two of them at places only the row's values tell), else its fields.
    private readonly int groupLines = PackedLayout.For(specs)?.GroupCacheLines ?? AggregateGroup.FieldCacheLines;

    /// <summary>Whether the groups are large enough to look ahead for (see <see cref="LooksAhead"/>; tests set it).</summary>
    internal bool LargeGroups { get; set; } = (PackedLayout.For(specs)?.GroupCacheLines ?? 0) > AggregateGroup.FieldCacheLines;

    /// <summary>From how many groups on rows are looked ahead for (tests lower it).</summary>
    internal int LookAheadFrom { get; set; } = 4096;
    private int captureEpoch;
    private volatile GroupTableCapture? openCapture;

    // After a restore, the groups no event has touched yet, still as checkpoint bytes; null once every one was (or without a restore).
    private RestoredGroups? restored;

    // Mini-batching: the groups the current batch changed; null while the operator emits per row (no host flushes it).
    private ChangedGroups? batch;

    // Mini-batching: the rows received and not yet applied (null while the operator emits per row).
    private PendingRows? pending;

    public void BeginBatches()
    {
        batch ??= new ChangedGroups();
        pending ??= new PendingRows();
    }

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
        if (pending is not null && (pending.Count > 0 || LooksAhead))
        {
            Receive(pending, row);
            return;
        }
        object?[]? retract, insert;
        try
        {
            var key = GroupKey.Of(keys, row.Row!);
            if (GroupOf(key, row) is not { } group) return;
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

    // The group of the row's key, created when new; null for a retraction of a key never seen.
    private AggregateGroup? GroupOf(in GroupKey key, in Element row)
    {
        if (!groups.TryGetValue(key, out var group) && !TryTakeRestored(key, out group))
        {
            if (row.Kind == ElementKind.Delete) return null; // retraction of something never seen
            // Born after any open capture: none writes it. For groups looked ahead for, its key's strings are copied just before it, so a
            // lookup, which compares the row's key with the group's, finds them in the line loaded with the group rather than
            // wherever the first row was. Otherwise the row's strings are kept: a shared one (TO_CHAR's day) compares by reference.
            group = AggregateGroup.Create(LargeGroups ? key.WithOwnStrings() : key, specs, layout);
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
        return group;
    }

    // Looking ahead pays only where a row's group is a long way off: many groups (more than the core's caches hold) of
    // many lines each (a packed group with distinct tables, q16). With few groups (q15: one per day) or small ones (q17)
    // the ring's bookkeeping cost more than the misses it hid (q15 x0.5, q17 x0.7 in the ninth pass's measurement).
    private bool LooksAhead => LargeGroups && groups.Count >= LookAheadFrom;

    // A row of a batch: its key is evaluated now (a failing key reports this event), the rest waits in the pipeline.
    private void Receive(PendingRows rows, in Element row)
    {
        try
        {
            ref var entry = ref rows.Add();
            entry.Row = row;
            var values = row.Row!;
            var count = keys.Length;
            if (count > 0) entry.A = keys[0](values);
            if (count > 1) entry.B = keys[1](values);
            if (count > 2) entry.C = keys[2](values);
            if (count > 3)
            {
                var more = new object?[count - 3];
                for (var i = 0; i < more.Length; i++) more[i] = keys[i + 3](values);
                entry.More = more;
            }
            if (errors is not null) (entry.Input, entry.Offset) = errors.Current;
            // Hashing reads a key string: start loading it now, HashLag rows before.
            Prefetch.Object(entry.A, 1);
            Prefetch.Object(entry.B, 1);
            Prefetch.Object(entry.C, 1);
        }
        catch (Exception e)
        {
            rows.Clear();
            Fail(e, description);
            return;
        }
        Advance(rows, rows.Received - 1);
    }

    // One step of the pipeline once row 'newest' is in: hash the row HashLag behind it and start loading its slot, start
    // loading the group of the row ProbeLag behind, apply the row ApplyLag behind. Draining steps past the last row.
    private void Advance(PendingRows rows, long newest)
    {
        var hashing = newest - HashLag;
        if (hashing >= rows.Applied && hashing < rows.Received)
        {
            ref var entry = ref rows[hashing];
            entry.Key = GroupKey.FromParts(keys.Length, entry.A, entry.B, entry.C, entry.More);
            entry.Keyed = true;
            groups.PrefetchSlot(entry.Key.GetHashCode());
        }
        var probing = newest - ProbeLag;
        if (probing >= rows.Applied && probing < rows.Received && rows[probing].Keyed)
        {
            // The line before the group too: its key's strings, copied there when it was created (GroupOf).
            Prefetch.Object(groups.Candidate(rows[probing].Key.GetHashCode()), groupLines, 1);
        }
        if (newest - ApplyLag >= rows.Applied && rows.Count > 0) ApplyOldest(rows);
    }

    private void ApplyOldest(PendingRows rows)
    {
        var entry = rows.TakeOldest();
        var key = entry.Keyed ? entry.Key : GroupKey.FromParts(keys.Length, entry.A, entry.B, entry.C, entry.More);
        // A row error while applying (an aggregate's argument) names the event the row came from, not the newest one.
        var now = errors?.Current;
        errors?.Enter(entry.Input, entry.Offset);
        try
        {
            if (GroupOf(key, entry.Row) is { } group) ChangeInBatch(batch!, group, key, entry.Row);
        }
        catch (Exception e)
        {
            rows.Clear();
            Fail(e, description);
        }
        finally
        {
            if (now is { } current) errors!.Enter(current.Input, current.Offset);
        }
    }

    // Applies every waiting row, in order, with the pipeline's look-ahead over the last ones too.
    private void Drain(PendingRows rows)
    {
        for (var step = rows.Received; rows.Count > 0 && !Done; step++) Advance(rows, step);
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
        Drain(pending!);
        if (Done) return;
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
        if (batch is not null && (batch.Count > 0 || pending!.Count > 0) && watermark != Watermarks.Infinite)
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
        if (batch is { Count: > 0 } || pending is { Count: > 0 }) throw new InvalidOperationException("This GROUP BY is in the middle of a batch: the host flushes before it takes a checkpoint.");
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
