using Sluice.Reactive.Expressions;
using Sluice.Reactive.Operators;

namespace Sluice.Reactive.Tests.Engine.Operators;

/// <summary>WHERE and the SELECT list: rows of either kind keep their kind and event time, watermarks pass through.</summary>
public sealed class StatelessOperatorTests
{
    private readonly ElementRecorder output = new();

    [Fact]
    public void A_filter_passes_inserts_and_retractions_whose_predicate_holds()
    {
        var sink = new FilterSink(output, r => (long)r[0]! > 1, "filter v > 1");
        sink.OnNext(E.Ins(1, 1L));
        sink.OnNext(E.Ins(2, 2L));
        sink.OnNext(E.Del(3, 2L));
        sink.OnNext(E.Del(4, 0L));
        sink.OnNext(E.Wm(5));
        Assert.Equal(["+2@2", "-2@3", "wm@5"], output.Log);
    }

    [Fact]
    public void A_projection_keeps_each_rows_kind_and_event_time()
    {
        var sink = new ProjectSink(output, r => [(long)r[0]! * 10], "SELECT list");
        sink.OnNext(E.Ins(1, 1L));
        sink.OnNext(E.Del(2, 2L));
        sink.OnCompleted();
        Assert.Equal(["+10@1", "-20@2", "wm@inf", "completed"], output.Log);
    }

    [Fact]
    public void A_failing_predicate_or_projection_faults_the_output_naming_where()
    {
        var filter = new FilterSink(output, _ => throw new DivideByZeroException(), "filter x");
        filter.OnNext(E.Ins(1, 1L));
        filter.OnNext(E.Ins(2, 1L));
        Assert.Equal(["error: Division by zero (in filter x)"], output.Log);

        var projected = new ElementRecorder();
        var project = new ProjectSink(projected, _ => throw new SqlEvaluationException("bad cast"), "SELECT list");
        project.OnNext(E.Ins(1, 1L));
        project.OnCompleted();
        Assert.Equal(["error: bad cast (in SELECT list)"], projected.Log);
    }

    [Fact]
    public void Disposing_a_sink_stops_it_forwarding()
    {
        var sink = new FilterSink(output, _ => true, "filter");
        sink.Dispose();
        sink.OnNext(E.Ins(1, 1L));
        sink.OnCompleted();
        Assert.Empty(output.Log);
    }
}
