using System.Reactive.Disposables;
using System.Reactive.Subjects;
using Sluice.Reactive.Operators;

namespace Sluice.Reactive.Tests.Engine.Operators;

/// <summary>The end of a pipeline: rows become output rows with their change op, watermarks move the query's watermark.</summary>
public sealed class OutputOperatorTests
{
    private readonly Subject<Element> pipeline = new();
    private readonly QueryStats stats = new();
    private readonly List<OutputRow> rows = [];
    private readonly List<string> ends = [];

    private IDisposable Subscribe() => new OutputOperator(pipeline, stats).Subscribe(rows.Add, e => ends.Add("error: " + e.Message), () => ends.Add("completed"));

    [Fact]
    public void Rows_keep_their_values_event_time_and_op_and_are_counted()
    {
        using var _ = Subscribe();
        pipeline.OnNext(E.Ins(2, "a"));
        pipeline.OnNext(E.Del(3, "a"));
        Assert.Equal([("a", QueryRun.At(2), ChangeOp.Insert), ("a", QueryRun.At(3), ChangeOp.Delete)], rows.Select(r => ((string)r.Values[0]!, r.EventTime, r.Op)));
        Assert.Equal(2, stats.RowsOut);
    }

    [Fact]
    public void Watermarks_set_the_querys_watermark_except_the_final_one()
    {
        using var _ = Subscribe();
        Assert.Null(stats.Watermark);
        pipeline.OnNext(E.Wm(4));
        Assert.Equal(QueryRun.At(4), stats.Watermark);
        pipeline.OnNext(Element.Watermark(Watermarks.Infinite));
        Assert.Equal(QueryRun.At(4), stats.Watermark);
        Assert.Empty(rows);
    }

    [Fact]
    public void Event_times_outside_the_calendar_are_clamped()
    {
        using var _ = Subscribe();
        pipeline.OnNext(Element.Insert(["a"], long.MaxValue));
        pipeline.OnNext(Element.Insert(["b"], -5));
        Assert.Equal([DateTime.MaxValue.Ticks, 0], rows.Select(r => r.EventTime.Ticks));
    }

    [Fact]
    public void The_end_is_forwarded_once_and_nothing_follows_it()
    {
        using var _ = Subscribe();
        pipeline.OnCompleted();
        pipeline.OnNext(E.Ins(1, "a"));
        Assert.Equal(["completed"], ends);
        Assert.Empty(rows);

        var errors = new Subject<Element>();
        var seen = new List<string>();
        using var __ = new OutputOperator(errors, stats).Subscribe(_ => seen.Add("row"), e => seen.Add(e.Message), () => seen.Add("completed"));
        errors.OnError(new InvalidOperationException("boom"));
        errors.OnNext(E.Ins(1, "a"));
        Assert.Equal(["boom"], seen);
    }

    [Fact]
    public void Disposing_detaches_from_the_pipeline_and_drops_what_still_arrives()
    {
        var subscription = Subscribe();
        subscription.Dispose();
        Assert.False(pipeline.HasObservers);
        Assert.Empty(rows);
    }

    [Fact]
    public void A_pipeline_that_ends_while_subscribing_is_detached_at_once()
    {
        var ended = new Subject<Element>();
        ended.OnCompleted();
        using var _ = new OutputOperator(ended, stats).Subscribe(rows.Add, _ => { }, () => ends.Add("completed"));
        Assert.Equal(["completed"], ends);

        // A pipeline whose subscription stays live after it ended (its disposal is what releases it) is disposed at once.
        var endsWhileSubscribing = new FailingWhileSubscribed();
        using var __ = new OutputOperator(endsWhileSubscribing, stats).Subscribe(rows.Add, e => ends.Add("error: " + e.Message));
        Assert.Equal(["completed", "error: failed at once"], ends);
        Assert.Equal(1, endsWhileSubscribing.Disposals);
    }

    [Fact]
    public void What_a_pipeline_still_sends_after_it_ended_is_dropped()
    {
        var bare = new BarePipeline();
        using (new OutputOperator(bare, stats).Subscribe(rows.Add, e => ends.Add("error: " + e.Message), () => ends.Add("completed")))
        {
            bare.Observer!.OnCompleted();
            bare.Observer.OnNext(E.Ins(1, "a"));
            bare.Observer.OnCompleted();
            bare.Observer.OnError(new InvalidOperationException("late"));
        }
        Assert.Equal(["completed"], ends);
        Assert.Empty(rows);
        Assert.Equal(0, stats.RowsOut);
    }

    [Fact]
    public void What_a_pipeline_still_sends_after_the_output_was_disposed_is_dropped()
    {
        var bare = new BarePipeline();
        new OutputOperator(bare, stats).Subscribe(rows.Add, e => ends.Add("error: " + e.Message), () => ends.Add("completed")).Dispose();
        Assert.Equal(1, bare.Disposals);
        bare.Observer!.OnNext(E.Ins(1, "a"));
        bare.Observer.OnError(new InvalidOperationException("late"));
        bare.Observer.OnCompleted();
        Assert.Empty(ends);
        Assert.Empty(rows);
        Assert.Equal(0, stats.RowsOut);
    }

    /// <summary>A pipeline that ignores disposal and the end of its own output (no Rx wrapper), as a misbehaving operator would.</summary>
    private sealed class BarePipeline : IObservable<Element>
    {
        public IObserver<Element>? Observer;
        public int Disposals;

        public IDisposable Subscribe(IObserver<Element> observer)
        {
            Observer = observer;
            return Disposable.Create(() => Disposals++);
        }
    }

    /// <summary>A bare source (no Rx wrapper, which would dispose on its own) that fails while being subscribed to.</summary>
    private sealed class FailingWhileSubscribed : IObservable<Element>
    {
        public int Disposals;

        public IDisposable Subscribe(IObserver<Element> observer)
        {
            observer.OnError(new InvalidOperationException("failed at once"));
            return Disposable.Create(() => Disposals++);
        }
    }
}
