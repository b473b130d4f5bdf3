using Sluice.Reactive.Aggregation;
using Sluice.Reactive.Operators;
using Sluice.Reactive.Planning;
using Sluice.Reactive.Sql;

namespace Sluice.Reactive.Tests.Engine.Operators;

/// <summary>
/// An observer that unsubscribes while an operator is emitting several rows for one input element receives nothing
/// more: no further row and no watermark (Rx's rule that nothing follows the disposal of a subscription). Each
/// operator below emits at least two rows for one element, and the observer disposes on the first.
/// </summary>
public sealed class DisposalDuringEmissionTests
{
    /// <summary>Once given the subscription, records what arrives and disposes the subscription at the first row.</summary>
    private sealed class DisposingObserver : IObserver<Element>
    {
        public IDisposable? Subscription;
        public readonly List<string> Log = [];

        public void OnNext(Element value)
        {
            if (Subscription is null) return;
            Log.Add(value.Kind == ElementKind.Watermark ? "wm" : "row");
            if (value.Kind != ElementKind.Watermark) Subscription.Dispose();
        }

        public void OnError(Exception error) => Log.Add("error");

        public void OnCompleted() => Log.Add("completed");
    }

    private static AggregateSpec[] CountAndSum() =>
    [
        new(new AggregateCall(AggregateKind.CountStar, null, false, SqlType.Bigint), null, false),
        new(new AggregateCall(AggregateKind.Sum, null, false, SqlType.Bigint), E.Column(1), false),
    ];

    [Fact]
    public void Session_windows_closing_on_one_watermark()
    {
        var observer = new DisposingObserver();
        var sink = new SessionAggregateSink(observer, [E.Column(0), _ => null, _ => null], 1, 2, E.Column(2), TimeSpan.FromSeconds(5).Ticks, CountAndSum(), new QueryStats(), "aggregate");
        observer.Subscription = sink;
        sink.OnNext(Element.Insert(["a", 1L, QueryRun.At(1)], E.T(1)));
        sink.OnNext(Element.Insert(["b", 1L, QueryRun.At(2)], E.T(2)));
        sink.OnNext(E.Wm(100));
        Assert.Equal(["row"], observer.Log);
    }

    [Fact]
    public void Hop_copies_of_one_row()
    {
        var observer = new DisposingObserver();
        var sink = new WindowAssignSink(observer, new WindowSpec(WindowKind.Hop, TimeSpan.FromSeconds(6), TimeSpan.FromSeconds(2), TimeSpan.Zero), 1, 2, new QueryStats());
        observer.Subscription = sink;
        sink.OnNext(Element.Insert(["a", QueryRun.At(7)], E.T(7)));
        Assert.Equal(["row"], observer.Log);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Top_n_changes_of_one_row(bool emitRank)
    {
        var observer = new DisposingObserver();
        var sink = new TopNSink(observer, [E.Column(0)], [E.Column(1)], [true], 2, emitRank, true, new QueryStats(), "top-N");
        // Two rows fill the top 2; a better third one moves both down (with ranks) or pushes one out: two changes or more.
        sink.OnNext(E.Ins(1, "p", 10L));
        sink.OnNext(E.Ins(2, "p", 20L));
        observer.Subscription = sink;
        sink.OnNext(E.Ins(3, "p", 30L));
        Assert.Equal(["row"], observer.Log);
    }

    [Fact]
    public void Sliced_windows_closing_on_one_watermark()
    {
        var observer = new DisposingObserver();
        var sink = new SlicedWindowAggregateSink(observer, 2, TimeSpan.FromSeconds(10).Ticks, TimeSpan.FromSeconds(10).Ticks,
            [E.Column(0)], [0, SlicedWindowAggregateSink.WindowStartKey, SlicedWindowAggregateSink.WindowEndKey], CountAndSum(), new QueryStats(), "window aggregate");
        observer.Subscription = sink;
        sink.OnNext(Element.Insert(["a", 1L, QueryRun.At(1)], E.T(1)));
        sink.OnNext(Element.Insert(["b", 1L, QueryRun.At(2)], E.T(2)));
        sink.OnNext(Element.Insert(["a", 1L, QueryRun.At(11)], E.T(11)));
        sink.OnNext(E.Wm(100));
        Assert.Equal(["row"], observer.Log);
    }

    [Theory]
    [InlineData(false)] // COUNT and SUM: one running table, added to and subtracted from
    [InlineData(true)] // with MIN: each window's slices merged
    public void Hop_windows_closing_on_one_watermark(bool withMin)
    {
        var observer = new DisposingObserver();
        AggregateSpec[] specs = withMin
            ? [.. CountAndSum(), new(new AggregateCall(AggregateKind.Min, null, false, SqlType.Bigint), E.Column(1), false)]
            : CountAndSum();
        var sink = new SlicedWindowAggregateSink(observer, 2, TimeSpan.FromSeconds(10).Ticks, TimeSpan.FromSeconds(5).Ticks,
            [E.Column(0)], [0, SlicedWindowAggregateSink.WindowStartKey, SlicedWindowAggregateSink.WindowEndKey], specs, new QueryStats(), "window aggregate");
        observer.Subscription = sink;
        sink.OnNext(Element.Insert(["a", 1L, QueryRun.At(1)], E.T(1))); // in [-5, 5) and [0, 10), as the next one
        sink.OnNext(Element.Insert(["b", 1L, QueryRun.At(2)], E.T(2)));
        sink.OnNext(E.Wm(100));
        Assert.Equal(["row"], observer.Log);
    }

    [Fact]
    public void Windows_of_an_upstream_window_result_closing_on_one_watermark()
    {
        var observer = new DisposingObserver();
        // Rows [window_start, v]: two windows (two groups in the first) end at or before the watermark.
        var sink = new WindowAggregateSink(observer, [E.Column(0)], 0, TimeSpan.FromSeconds(10).Ticks, CountAndSum(), new QueryStats(), "aggregate");
        observer.Subscription = sink;
        sink.OnNext(Element.Insert([QueryRun.At(0), 1L], E.T(1)));
        sink.OnNext(Element.Insert([QueryRun.At(10), 1L], E.T(11)));
        sink.OnNext(E.Wm(100));
        Assert.Equal(["row"], observer.Log);
    }

    [Fact]
    public void A_group_change_retracting_its_previous_row()
    {
        var observer = new DisposingObserver();
        var sink = new GroupAggregateSink(observer, [E.Column(0)], CountAndSum(), new QueryStats(), "aggregate");
        sink.OnNext(E.Ins(1, "a", 1L));
        observer.Subscription = sink;
        sink.OnNext(E.Ins(2, "a", 2L)); // retracts a|1|1, then would insert a|2|3
        Assert.Equal(["row"], observer.Log);
    }

    [Fact]
    public void Join_matches_of_one_row()
    {
        var observer = new DisposingObserver();
        var sink = new JoinSink(observer, [E.Column(0)], [E.Column(0)], null, 2, 2, false, false, [], [], true, new QueryStats());
        sink.LeftObserver.OnNext(E.Ins(1, "a", 1L));
        sink.LeftObserver.OnNext(E.Ins(2, "a", 2L));
        observer.Subscription = sink;
        sink.RightObserver.OnNext(E.Ins(3, "a", 10L));
        Assert.Equal(["row"], observer.Log);
    }

    [Fact]
    public void A_source_event_and_the_watermark_it_advances()
    {
        var observer = new DisposingObserver();
        var input = new System.Reactive.Subjects.Subject<InputEvent>();
        observer.Subscription = new SourceOperator(input, 0, TimeSpan.Zero, new QueryStats(), null).Subscribe(observer);
        input.OnNext(new InputEvent(0, QueryRun.At(5), ["a"])); // a row, then the watermark at 5 s
        Assert.Equal(["row"], observer.Log);
    }
}
