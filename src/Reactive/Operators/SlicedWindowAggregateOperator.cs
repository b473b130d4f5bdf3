using Sluice.Reactive.Aggregation;
using Sluice.Reactive.Runtime.Checkpoints;
using Sluice.Reactive.Windows;

namespace Sluice.Reactive.Operators;

/// <summary>
/// GROUP BY window_start / window_end directly over TUMBLE or HOP, without materialising a row per window:
/// each event updates one slice (a tumbling pane of the slide's length) and a window's result merges the
/// size / slide slices it covers when the watermark reaches its end (for TUMBLE the slice is the window).
/// A slice is released once the last window covering it has been emitted. Events whose every window has
/// already been emitted are late: dropped and counted.
/// When every aggregate can be subtracted exactly (COUNT, COUNT DISTINCT, integer SUM), a HOP keeps one
/// running table instead: emitting a window adds its newest slice and releasing a slice subtracts it, so each
/// slice is merged twice rather than size / slide times (Nexmark q5).
/// </summary>
internal sealed class SlicedWindowAggregateSink(
    IObserver<Element> downstream,
    int timeColumn,
    long size,
    long slide,
    Func<object?[], object?>[] groupKeys,
    int[] outputKeys,
    AggregateSpec[] specs,
    QueryStats stats,
    string description) : UnarySink(downstream), ICheckpointable
{
    /// <summary>Marks an output key position filled with window_start (-1) or window_end (-2) rather than a group key.</summary>
    public const int WindowStartKey = -1, WindowEndKey = -2;

    private readonly SortedDictionary<long, Dictionary<GroupKey, Accumulator[]>> slices = [];
    private readonly bool tumbling = size == slide;
    private readonly Dictionary<GroupKey, RunningGroup>? running =
        size != slide && AggregateSpec.CreateAll(specs).All(a => a.Subtractable) ? [] : null;
    private readonly object?[] arguments = new object?[specs.Length];
    private long addedUpTo = long.MinValue; // the running table holds every unreleased slice starting before this
    private long watermark = Watermarks.Start;
    private long lastEmittedEnd = long.MinValue;
    private long currentStart = long.MinValue;
    private Dictionary<GroupKey, Accumulator[]>? current;
    private int lastSliceSize;

    protected override void OnRow(Element row)
    {
        if (row.Kind == ElementKind.Delete) return;
        try
        {
            var values = row.Row!;
            var cell = values[timeColumn];
            long time;
            if (cell is DateTime t) time = t.Ticks;
            else if (WindowAssigner.Ticks(cell) is { } parsed) time = parsed;
            else return;
            var start = WindowAssigner.LastStart(time, slide);
            // Window ends are multiples of the slide and lastEmittedEnd is at least the watermark rounded down to the
            // slide, so this also drops every event whose last window the watermark has passed.
            if (start + size <= lastEmittedEnd)
            {
                stats.AddLateEvents(1);
                return;
            }
            if (start + slide <= watermark) stats.AddLateEvents(1); // some of its windows were already emitted
            if (start != currentStart || current is null)
            {
                if (!slices.TryGetValue(start, out current))
                {
                    // Sized like the slice before it: growing a table of a thousand groups copies it ten times.
                    current = new Dictionary<GroupKey, Accumulator[]>(lastSliceSize);
                    slices.Add(start, current);
                    firstStart = Math.Min(firstStart, start);
                }
                currentStart = start;
            }
            var key = GroupKey.Of(groupKeys, values);
            var newInSlice = !current.TryGetValue(key, out var accumulators);
            if (newInSlice)
            {
                accumulators = AggregateSpec.CreateAll(specs);
                current.Add(key, accumulators);
                stats.AddStateSize(1);
            }
            for (var i = 0; i < specs.Length; i++) arguments[i] = specs[i].Argument?.Invoke(values);
            for (var i = 0; i < specs.Length; i++) accumulators![i].Add(arguments[i]);
            if (running is not null && start < addedUpTo)
            {
                // The slice is already in the running table, so the event must be too (its later windows are open).
                var group = RunningGroupOf(key);
                if (newInSlice) group.Slices++;
                for (var i = 0; i < specs.Length; i++) group.Accumulators[i].Add(arguments[i]);
            }
        }
        catch (Exception e)
        {
            Fail(e, description);
        }
    }

    protected override void OnWatermark(long value)
    {
        if (value <= watermark) return;
        watermark = value;
        try
        {
            while (slices.Count > 0)
            {
                var firstStart = FirstSliceStart();
                var end = Math.Max(firstStart + slide, lastEmittedEnd + slide); // before any window, long.MinValue + slide: no window
                if (end > value) break;
                Emit(end);
                if (Done) return;
                lastEmittedEnd = end;
                Release(end);
            }
            // Every window ending at or before the watermark is closed now, even those that had no slices yet (later
            // events for them are late). No slice is left to release: the loop above released each one whose last
            // window ends by then, when it emitted that window. (The final watermark rounds down like any other; a
            // negative one, which no event time gives, rounds up to a window end no event can be before.)
            lastEmittedEnd = Math.Max(lastEmittedEnd, value - (value % slide));
        }
        catch (Exception e)
        {
            Fail(e, description);
            return;
        }
        Downstream.OnNext(Element.Watermark(value));
    }

    /// <summary>
    /// Positions (watermark, last window emitted, how far the running table reaches), every slice's groups, and the
    /// running table. Writing compacts the running table in place, keeping its order: a restored table then enumerates,
    /// and so emits, in the order this one does from now on (a dictionary that had removals would otherwise fill its
    /// holes first, and rows of a window would come out in another order after a restore).
    /// </summary>
    public void WriteState(BinaryWriter writer)
    {
        writer.Write(watermark);
        writer.Write(lastEmittedEnd);
        writer.Write(addedUpTo);
        writer.Write(currentStart);
        writer.Write(current is not null);
        writer.Write(lastSliceSize);
        writer.Write(slices.Count);
        foreach (var (start, slice) in slices)
        {
            writer.Write(start);
            writer.Write(slice.Count);
            foreach (var (key, accumulators) in slice)
            {
                CheckpointValues.WriteKey(writer, key);
                AggregateSpec.WriteAll(writer, accumulators);
            }
        }
        writer.Write(running is not null);
        if (running is null) return;
        writer.Write(running.Count);
        foreach (var (key, group) in running)
        {
            CheckpointValues.WriteKey(writer, key);
            writer.Write(group.Slices);
            AggregateSpec.WriteAll(writer, group.Accumulators);
        }
        // Only once all is written (writing can refuse a value): the table keeps its groups and their order.
        var groups = running.ToArray();
        running.Clear();
        foreach (var (key, group) in groups) running.Add(key, group);
    }

    public void ReadState(BinaryReader reader)
    {
        watermark = reader.ReadInt64();
        lastEmittedEnd = reader.ReadInt64();
        addedUpTo = reader.ReadInt64();
        currentStart = reader.ReadInt64();
        var hasCurrent = reader.ReadBoolean();
        lastSliceSize = reader.ReadInt32();
        var size = 0L;
        for (var s = CheckpointValues.ReadCount(reader); s > 0; s--)
        {
            var start = reader.ReadInt64();
            var count = CheckpointValues.ReadCount(reader);
            var slice = new Dictionary<GroupKey, Accumulator[]>(count);
            for (var i = 0; i < count; i++) slice.Add(CheckpointValues.ReadKey(reader), AggregateSpec.ReadAll(specs, reader));
            slices.Add(start, slice);
            size += count;
        }
        current = hasCurrent ? slices[currentStart] : null;
        RefreshFirstSliceStart();
        var hasRunning = reader.ReadBoolean();
        if (hasRunning != running is not null)
        {
            throw new InvalidDataException("The checkpoint of a window aggregate does not match the query's aggregates (running table).");
        }
        if (running is not null)
        {
            for (var g = CheckpointValues.ReadCount(reader); g > 0; g--)
            {
                var key = CheckpointValues.ReadKey(reader);
                var slicesHeld = reader.ReadInt32();
                running.Add(key, new RunningGroup(AggregateSpec.ReadAll(specs, reader)) { Slices = slicesHeld });
                size++;
            }
        }
        stats.AddStateSize(size);
    }

    // Enumerating a SortedDictionary allocates, so the smallest slice start is cached and refreshed only when a
    // slice is released.
    private long firstStart = long.MaxValue;

    private long FirstSliceStart() => firstStart;

    private void RefreshFirstSliceStart()
    {
        firstStart = long.MaxValue;
        foreach (var start in slices.Keys)
        {
            firstStart = start;
            return;
        }
    }

    private void Emit(long end)
    {
        var windowStart = end - size;
        object windowStartValue = new DateTime(windowStart, DateTimeKind.Utc);
        object windowEndValue = new DateTime(end, DateTimeKind.Utc);
        if (running is not null)
        {
            EmitRunning(end, windowStartValue, windowEndValue);
            return;
        }
        if (tumbling)
        {
            if (slices.TryGetValue(windowStart, out var slice))
            {
                foreach (var (key, accumulators) in slice)
                {
                    Downstream.OnNext(Element.Insert(Row(key, accumulators, windowStartValue, windowEndValue), end));
                    if (Done) return;
                }
            }
            return;
        }

        // No slice starts before the window: each was released when its last window was emitted, and later events
        // for it are late. The first slice lies in the window (the window ends one slide after it, or one slide after
        // the last window emitted, which it outlives), so merged is never null after the loop.
        Dictionary<GroupKey, Accumulator[]>? merged = null;
        foreach (var (start, slice) in slices)
        {
            if (start >= end) break;
            if (merged is null)
            {
                merged = new Dictionary<GroupKey, Accumulator[]>(slice.Count);
                foreach (var (key, accumulators) in slice) merged.Add(key, Copy(accumulators));
                continue;
            }
            foreach (var (key, accumulators) in slice)
            {
                if (merged.TryGetValue(key, out var into))
                {
                    for (var i = 0; i < into.Length; i++) into[i].Merge(accumulators[i]);
                }
                else merged.Add(key, Copy(accumulators));
            }
        }
        foreach (var (key, accumulators) in merged!)
        {
            Downstream.OnNext(Element.Insert(Row(key, accumulators, windowStartValue, windowEndValue), end));
            if (Done) return;
        }
    }

    private void EmitRunning(long end, object windowStartValue, object windowEndValue)
    {
        foreach (var (start, slice) in slices)
        {
            if (start >= end) break;
            if (start < addedUpTo) continue;
            foreach (var (key, accumulators) in slice)
            {
                var group = RunningGroupOf(key);
                group.Slices++;
                for (var i = 0; i < accumulators.Length; i++) group.Accumulators[i].Merge(accumulators[i]);
            }
        }
        addedUpTo = Math.Max(addedUpTo, end);
        foreach (var (key, group) in running!)
        {
            Downstream.OnNext(Element.Insert(Row(key, group.Accumulators, windowStartValue, windowEndValue), end));
            if (Done) return;
        }
    }

    private RunningGroup RunningGroupOf(GroupKey key)
    {
        if (!running!.TryGetValue(key, out var group))
        {
            group = new RunningGroup(AggregateSpec.CreateAll(specs));
            running.Add(key, group);
            stats.AddStateSize(1);
        }
        return group;
    }

    /// <summary>Takes a released slice back out of the running table; a group no slice holds any more leaves it.</summary>
    private void SubtractFromRunning(Dictionary<GroupKey, Accumulator[]> slice)
    {
        foreach (var (key, accumulators) in slice)
        {
            var group = running![key];
            if (--group.Slices == 0)
            {
                running.Remove(key);
                stats.AddStateSize(-1);
                continue;
            }
            for (var i = 0; i < accumulators.Length; i++) group.Accumulators[i].Subtract(accumulators[i]);
        }
    }

    /// <summary>A group's accumulators summed over the slices in the running table, and how many of those slices hold it.</summary>
    private sealed class RunningGroup(Accumulator[] accumulators)
    {
        public readonly Accumulator[] Accumulators = accumulators;
        public int Slices;
    }

    private Accumulator[] Copy(Accumulator[] source)
    {
        var copy = AggregateSpec.CreateAll(specs);
        for (var i = 0; i < copy.Length; i++) copy[i].Merge(source[i]);
        return copy;
    }

    private object?[] Row(GroupKey key, Accumulator[] accumulators, object windowStartValue, object windowEndValue)
    {
        var row = new object?[outputKeys.Length + accumulators.Length];
        for (var i = 0; i < outputKeys.Length; i++)
        {
            row[i] = outputKeys[i] switch
            {
                WindowStartKey => windowStartValue,
                WindowEndKey => windowEndValue,
                var k => key[k],
            };
        }
        for (var i = 0; i < accumulators.Length; i++) row[outputKeys.Length + i] = accumulators[i].Result();
        return row;
    }

    /// <summary>Drops the slices whose last window ends at or before <paramref name="end"/>.</summary>
    private void Release(long end)
    {
        while (slices.Count > 0)
        {
            var start = FirstSliceStart();
            if (start + size > end) return;
            var slice = slices[start];
            slices.Remove(start);
            RefreshFirstSliceStart();
            if (start == currentStart) current = null;
            lastSliceSize = slice.Count;
            // Released after the emission of its last window, which added it to the running table (start < addedUpTo).
            if (running is not null) SubtractFromRunning(slice);
            stats.AddStateSize(-slice.Count);
        }
    }
}
