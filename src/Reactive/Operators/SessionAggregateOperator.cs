using Sluice.Reactive.Aggregation;
using Sluice.Reactive.Runtime.Checkpoints;
using Sluice.Reactive.Windows;

namespace Sluice.Reactive.Operators;

/// <summary>
/// GROUP BY a SESSION window: per key, sessions [first event, last event + gap) that merge when an event bridges
/// them. A session is emitted once the watermark passes its end, then released. An event whose session would
/// already have closed is late: dropped and counted.
/// </summary>
internal sealed class SessionAggregateSink(
    IObserver<Element> downstream,
    Func<object?[], object?>[] keys,
    int startKey,
    int endKey,
    Func<object?[], object?> time,
    long gap,
    AggregateSpec[] specs,
    QueryStats stats,
    string description) : UnarySink(downstream), ICheckpointable
{
    private sealed class Session(long start, long end, Accumulator[] accumulators)
    {
        public long Start = start;
        public long End = end;
        public readonly Accumulator[] Accumulators = accumulators;
        public bool Closed;
    }

    private readonly Dictionary<GroupKey, List<Session>> sessions = [];
    private readonly PriorityQueue<(GroupKey Key, Session Session), long> timers = new();
    private readonly Func<object?[], object?>[] groupKeys = keys.Select((k, i) => i == startKey || i == endKey ? (_ => null) : k).ToArray();
    private long watermark = Watermarks.Start;

    protected override void OnRow(Element row)
    {
        if (row.Kind == ElementKind.Delete) return;
        try
        {
            var values = row.Row!;
            if (WindowAssigner.Ticks(time(values)) is not { } t) return;
            if (t + gap <= watermark)
            {
                stats.AddLateEvents(1);
                return;
            }
            var key = GroupKey.Of(groupKeys, values);
            if (!sessions.TryGetValue(key, out var list))
            {
                list = [];
                sessions.Add(key, list);
            }
            if (ExtendOnly(list, t) is { } extended)
            {
                // The common case, an event inside or just after one session: that session grows in place. Its timer
                // stays queued at the old end and is moved when it fires (OnWatermark), so no timer per event.
                for (var a = 0; a < specs.Length; a++) extended.Accumulators[a].Add(specs[a].Argument?.Invoke(values));
                return;
            }
            var merged = new Session(t, t + gap, AggregateSpec.CreateAll(specs));
            for (var i = list.Count - 1; i >= 0; i--)
            {
                var s = list[i];
                if (s.Start <= merged.End && s.End >= merged.Start)
                {
                    merged.Start = Math.Min(merged.Start, s.Start);
                    merged.End = Math.Max(merged.End, s.End);
                    for (var a = 0; a < specs.Length; a++) merged.Accumulators[a].Merge(s.Accumulators[a]);
                    s.Closed = true;
                    list.RemoveAt(i);
                    stats.AddStateSize(-1);
                }
            }
            for (var a = 0; a < specs.Length; a++) merged.Accumulators[a].Add(specs[a].Argument?.Invoke(values));
            list.Add(merged);
            stats.AddStateSize(1);
            timers.Enqueue((key, merged), merged.End);
        }
        catch (Exception e)
        {
            Fail(e, description);
        }
    }

    /// <summary>The one session an event at <paramref name="t"/> falls into, extended to hold it; null when it bridges several or none.</summary>
    private Session? ExtendOnly(List<Session> list, long t)
    {
        Session? found = null;
        foreach (var s in list)
        {
            if (s.Start > t + gap || s.End < t) continue;
            if (found is not null) return null;
            found = s;
        }
        if (found is null) return null;
        found.Start = Math.Min(found.Start, t);
        found.End = Math.Max(found.End, t + gap);
        return found;
    }

    /// <summary>
    /// The watermark and every session the timer queue holds (closed ones too: they keep the heap's shape), each
    /// written once; then each key's open sessions, in list order, as indexes into those.
    /// </summary>
    public void WriteState(BinaryWriter writer)
    {
        writer.Write(watermark);
        var index = new Dictionary<Session, int>(ReferenceEqualityComparer.Instance);
        CheckpointQueues.Write(writer, timers, (timer, end) =>
        {
            // A session has one timer at a time (an extended one is moved only when its old timer fires), so each is
            // written in full here; -1 says so (the format also allows naming one already written, which ReadState reads).
            index.Add(timer.Session, index.Count);
            writer.Write(end);
            writer.Write(-1);
            CheckpointValues.WriteKey(writer, timer.Key);
            writer.Write(timer.Session.Start);
            writer.Write(timer.Session.End);
            writer.Write(timer.Session.Closed);
            AggregateSpec.WriteAll(writer, timer.Session.Accumulators);
        });
        writer.Write(sessions.Count);
        foreach (var (key, list) in sessions)
        {
            CheckpointValues.WriteKey(writer, key);
            writer.Write(list.Count);
            foreach (var session in list) writer.Write(index[session]);
        }
    }

    public void ReadState(BinaryReader reader)
    {
        watermark = reader.ReadInt64();
        var read = new List<(GroupKey Key, Session Session)>();
        CheckpointQueues.Read(reader, timers, () =>
        {
            var end = reader.ReadInt64();
            var known = reader.ReadInt32();
            if (known >= 0) return (read[known], end);
            var key = CheckpointValues.ReadKey(reader);
            var start = reader.ReadInt64();
            var sessionEnd = reader.ReadInt64();
            var closed = reader.ReadBoolean();
            var session = new Session(start, sessionEnd, AggregateSpec.ReadAll(specs, reader)) { Closed = closed };
            read.Add((key, session));
            return ((key, session), end);
        });
        var open = 0;
        for (var k = CheckpointValues.ReadCount(reader); k > 0; k--)
        {
            var key = CheckpointValues.ReadKey(reader);
            var count = CheckpointValues.ReadCount(reader);
            var list = new List<Session>(count);
            for (var i = 0; i < count; i++) list.Add(read[reader.ReadInt32()].Session);
            sessions.Add(key, list);
            open += count;
        }
        stats.AddStateSize(open);
    }

    protected override void OnWatermark(long value)
    {
        if (value <= watermark) return;
        watermark = value;
        while (timers.TryPeek(out var timer, out var end) && end <= value)
        {
            timers.Dequeue();
            var session = timer.Session;
            if (session.Closed) continue; // merged into a later session
            if (session.End > end)
            {
                timers.Enqueue(timer, session.End); // extended since it was queued
                continue;
            }
            // Not marked closed: the session leaves its key's list, and this was its only timer, so nothing reads it again.
            var list = sessions[timer.Key];
            list.Remove(session);
            if (list.Count == 0) sessions.Remove(timer.Key);
            stats.AddStateSize(-1);
            var row = new object?[keys.Length + specs.Length];
            for (var i = 0; i < keys.Length; i++)
                row[i] = i == startKey ? new DateTime(session.Start, DateTimeKind.Utc) : i == endKey ? new DateTime(session.End, DateTimeKind.Utc) : timer.Key[i];
            for (var a = 0; a < specs.Length; a++) row[keys.Length + a] = session.Accumulators[a].Result();
            Downstream.OnNext(Element.Insert(row, session.End));
            if (Done) return;
        }
        Downstream.OnNext(Element.Watermark(value));
    }
}
