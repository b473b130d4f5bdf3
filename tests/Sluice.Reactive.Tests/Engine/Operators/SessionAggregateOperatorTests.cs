using System.Runtime.CompilerServices;
using Sluice.Reactive.Aggregation;
using Sluice.Reactive.Operators;
using Sluice.Reactive.Planning;

namespace Sluice.Reactive.Tests.Engine.Operators;

/// <summary>
/// GROUP BY k, SESSION(ts, 5 s) driven element by element over rows [k, v, ts]; output rows are
/// [k, window_start, window_end, COUNT(*), SUM(v)] at event time window_end.
/// </summary>
public sealed class SessionAggregateOperatorTests
{
    private static readonly long Gap = TimeSpan.FromSeconds(5).Ticks;
    private readonly ElementRecorder output = new();
    private readonly QueryStats stats = new();
    private readonly SessionAggregateSink sink;

    public SessionAggregateOperatorTests() => sink = Create(output, stats);

    private static SessionAggregateSink Create(IObserver<Element> downstream, QueryStats stats)
    {
        AggregateSpec[] specs =
        [
            new(new AggregateCall(AggregateKind.CountStar, null, false, SqlType.Bigint), null, false),
            new(new AggregateCall(AggregateKind.Sum, null, false, SqlType.Bigint), E.Column(1), false),
        ];
        return new SessionAggregateSink(downstream, [E.Column(0), _ => null, _ => null], 1, 2, E.Column(2), Gap, specs, stats, "aggregate");
    }

    private static Element Event(double seconds, string? k = "a", long v = 1) => Element.Insert([k, v, seconds < 0 ? null : QueryRun.At(seconds)], E.T(Math.Max(seconds, 0)));

    [Fact]
    public void A_session_is_emitted_at_its_end_when_the_watermark_reaches_it_then_the_watermark_follows()
    {
        sink.OnNext(Event(1, v: 2));
        sink.OnNext(Event(3, v: 3));
        sink.OnNext(E.Wm(7.999));
        Assert.Equal(["wm@7.999"], output.Log);
        sink.OnNext(E.Wm(8));
        Assert.Equal(["wm@7.999", "+a|00:00:01.000|00:00:08.000|2|5@8", "wm@8"], output.Log);
        Assert.Equal(0, stats.StateSize);
    }

    [Fact]
    public void Sessions_touching_exactly_at_the_gap_merge_in_either_arrival_order()
    {
        sink.OnNext(Event(1));
        sink.OnNext(Event(6)); // [1, 6) and [6, 11) touch
        sink.OnNext(Event(26));
        sink.OnNext(Event(21)); // [26, 31) then [21, 26)
        Assert.Equal(2, stats.StateSize);
        sink.OnCompleted();
        Assert.Equal(["+a|00:00:01.000|00:00:11.000|2|2", "+a|00:00:21.000|00:00:31.000|2|2"], output.Rows);
    }

    [Fact]
    public void Events_a_tick_more_than_the_gap_apart_stay_separate_sessions()
    {
        sink.OnNext(Element.Insert(["a", 1L, QueryRun.At(1)], E.T(1)));
        sink.OnNext(Element.Insert(["a", 1L, QueryRun.At(6).AddTicks(1)], E.T(6)));
        sink.OnNext(Element.Insert(["a", 1L, QueryRun.At(20)], E.T(20)));
        sink.OnNext(Element.Insert(["a", 1L, QueryRun.At(15).AddTicks(-1)], E.T(15)));
        Assert.Equal(4, stats.StateSize);
        sink.OnCompleted();
        Assert.Equal(4, output.Rows.Count);
    }

    [Fact]
    public void An_event_between_two_sessions_merges_all_three()
    {
        sink.OnNext(Event(1, v: 1));
        sink.OnNext(Event(10, v: 10));
        sink.OnNext(Event(18, v: 100));
        Assert.Equal(3, stats.StateSize);
        sink.OnNext(Event(5.5, v: 1000)); // [5.5, 10.5) bridges [1, 6) and [10, 15)
        Assert.Equal(2, stats.StateSize);
        sink.OnNext(Event(14, v: 10000)); // [14, 19) bridges [1, 15) and [18, 23)
        Assert.Equal(1, stats.StateSize);
        sink.OnNext(E.Wm(23));
        Assert.Equal(["+a|00:00:01.000|00:00:23.000|5|11111@23", "wm@23"], output.Log);
        Assert.Equal(0, stats.StateSize);
    }

    // An event inside or touching exactly one session extends it in place (ExtendOnly); one that reaches two goes to the
    // merge. Touching counts for both ends here, or the event extends one session and leaves its neighbour apart.
    [Theory]
    [InlineData(5)] // [5, 10) overlaps [1, 6) and touches [10, 15) at its start
    [InlineData(6)] // [6, 11) touches [1, 6) at its end and overlaps [10, 15)
    public void An_event_overlapping_one_session_and_touching_another_exactly_at_the_gap_merges_all_three(double at)
    {
        sink.OnNext(Event(1, v: 1));
        sink.OnNext(Event(10, v: 10));
        Assert.Equal(2, stats.StateSize);
        sink.OnNext(Event(at, v: 100));
        Assert.Equal(1, stats.StateSize);
        sink.OnNext(E.Wm(15));
        Assert.Equal(["+a|00:00:01.000|00:00:15.000|3|111@15", "wm@15"], output.Log);
    }

    [Fact]
    public void Merged_away_sessions_are_not_emitted_at_their_old_end()
    {
        sink.OnNext(Event(1));
        sink.OnNext(Event(4));
        sink.OnNext(E.Wm(6));
        sink.OnNext(E.Wm(9));
        Assert.Equal(["wm@6", "+a|00:00:01.000|00:00:09.000|2|2@9", "wm@9"], output.Log);
    }

    [Fact]
    public void An_event_whose_session_would_end_at_the_watermark_is_late()
    {
        sink.OnNext(E.Wm(10));
        sink.OnNext(Event(5)); // would be [5, 10): closed
        Assert.Equal(1, stats.LateEvents);
        Assert.Equal(0, stats.StateSize);
        sink.OnNext(Element.Insert(["a", 1L, QueryRun.At(5).AddTicks(1)], E.T(5)));
        Assert.Equal(1, stats.LateEvents);
        Assert.Equal(1, stats.StateSize);
        sink.OnCompleted();
        Assert.Single(output.Rows);
    }

    [Fact]
    public void An_emitted_session_is_not_merged_again_by_an_event_inside_its_gap()
    {
        sink.OnNext(Event(1, v: 1));
        sink.OnNext(E.Wm(6)); // [1, 6) emitted
        sink.OnNext(Event(5.5, v: 10)); // not late (5.5 + 5 > 6), but [1, 6) is gone: a session of its own
        sink.OnNext(E.Wm(20));
        Assert.Equal(["+a|00:00:01.000|00:00:06.000|1|1", "+a|00:00:05.500|00:00:10.500|1|10"], output.Rows);
        Assert.Equal(0, stats.StateSize);
    }

    [Fact]
    public void Keys_have_their_own_sessions_and_null_keys_form_one_group()
    {
        sink.OnNext(Event(1, "a"));
        sink.OnNext(Event(2, "b"));
        sink.OnNext(Event(3, null));
        sink.OnNext(Event(4, null));
        sink.OnCompleted();
        Assert.Equal(["+a|00:00:01.000|00:00:06.000|1|1", "+b|00:00:02.000|00:00:07.000|1|1", "+null|00:00:03.000|00:00:09.000|2|2"], output.Rows);
    }

    [Fact]
    public void Sessions_of_one_key_close_in_order_of_their_ends()
    {
        sink.OnNext(Event(20, "a"));
        sink.OnNext(Event(1, "b"));
        sink.OnNext(Event(3, "a"));
        sink.OnNext(E.Wm(30));
        Assert.Equal(["+b|00:00:01.000|00:00:06.000|1|1@6", "+a|00:00:03.000|00:00:08.000|1|1@8", "+a|00:00:20.000|00:00:25.000|1|1@25", "wm@30"], output.Log);
    }

    [Fact]
    public void Retractions_and_rows_without_a_time_are_ignored()
    {
        sink.OnNext(Element.Delete(["a", 1L, QueryRun.At(1)], E.T(1)));
        sink.OnNext(Event(-1));
        sink.OnCompleted();
        Assert.Equal(["wm@inf", "completed"], output.Log);
        Assert.Equal(0, stats.LateEvents);
    }

    [Fact]
    public void A_watermark_that_does_not_advance_is_not_forwarded()
    {
        sink.OnNext(E.Wm(5));
        sink.OnNext(E.Wm(5));
        sink.OnNext(E.Wm(4));
        Assert.Equal(["wm@5"], output.Log);
    }

    [Fact]
    public void A_time_that_cannot_be_read_faults_the_output()
    {
        sink.OnNext(Element.Insert(["a", 1L, "not a time"], E.T(1)));
        sink.OnNext(Event(2));
        Assert.Single(output.Log);
        Assert.Contains("(in aggregate)", output.Error!.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Closed_sessions_release_their_keys_memory()
    {
        var rows = 0;
        var counting = System.Reactive.Observer.Create<Element>(e => rows += e.Kind == ElementKind.Insert ? 1 : 0);
        var session = Create(counting, stats);
        var key = Feed(session);
        session.OnNext(E.Wm(100));
        Assert.Equal(1, rows);
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        Assert.False(key.TryGetTarget(out _), "a closed session's key is still held");
    }

    [Fact]
    public void Sessions_merged_away_before_a_checkpoint_stay_closed_after_a_restore()
    {
        sink.OnNext(Event(1, v: 1));
        sink.OnNext(Event(10, v: 10));
        sink.OnNext(Event(5.5, v: 100)); // merges [1, 6) and [10, 15); their timers, at 6 and 15, stay queued
        var restoredOutput = new ElementRecorder();
        var restoredStats = new QueryStats();
        var restored = Restore(Checkpoint(sink), restoredOutput, restoredStats);
        Assert.Equal(1, restoredStats.StateSize);
        sink.OnNext(E.Wm(20));
        restored.OnNext(E.Wm(20));
        Assert.Equal(["+a|00:00:01.000|00:00:15.000|3|111@15", "wm@20"], output.Log);
        Assert.Equal(output.Log, restoredOutput.Log);
    }

    [Fact]
    public void Events_inside_one_session_grow_it_in_place_so_its_state_holds_one_session_not_one_per_event()
    {
        for (var i = 0; i < 20; i++) sink.OnNext(Event(1 + i, v: 1)); // each event 1 s after the last, inside the gap
        using (var reader = new BinaryReader(new MemoryStream(Checkpoint(sink))))
        {
            reader.ReadInt64(); // the watermark
            Assert.Equal(1, reader.ReadInt32()); // the sessions the timer queue holds: a new session per event would queue 20
        }
        Assert.Equal(1, stats.StateSize);
        sink.OnNext(E.Wm(25));
        Assert.Equal(["+a|00:00:01.000|00:00:25.000|20|20@25", "wm@25"], output.Log);
    }

    private static byte[] Checkpoint(SessionAggregateSink session)
    {
        var buffer = new MemoryStream();
        using (var writer = new BinaryWriter(buffer)) session.WriteState(writer);
        return buffer.ToArray();
    }

    private static SessionAggregateSink Restore(byte[] checkpoint, IObserver<Element> downstream, QueryStats stats)
    {
        var session = Create(downstream, stats);
        using var reader = new BinaryReader(new MemoryStream(checkpoint));
        session.ReadState(reader);
        return session;
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static WeakReference<string> Feed(SessionAggregateSink session)
    {
        var key = new string('k', 3);
        session.OnNext(Element.Insert([key, 1L, QueryRun.At(1)], E.T(1)));
        session.OnNext(Element.Insert([new string('k', 3), 1L, QueryRun.At(2)], E.T(2)));
        return new WeakReference<string>(key);
    }
}
