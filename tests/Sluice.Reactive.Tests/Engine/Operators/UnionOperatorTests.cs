using Sluice.Reactive.Operators;

namespace Sluice.Reactive.Tests.Engine.Operators;

/// <summary>
/// UNION ALL driven element by element: rows of either input pass unchanged (kind, values, event time), the output
/// watermark is the smaller of the two inputs' and goes out only when it advances, and the output ends after both inputs.
/// </summary>
public sealed class UnionOperatorTests
{
    private readonly ElementRecorder output = new();
    private readonly UnionSink union;

    public UnionOperatorTests() => union = new UnionSink(output);

    [Fact]
    public void Rows_and_retractions_of_either_input_pass_unchanged_in_arrival_order()
    {
        union.LeftObserver.OnNext(E.Ins(1, "a", 1L));
        union.RightObserver.OnNext(E.Ins(0.5, "b", 2L));
        union.LeftObserver.OnNext(E.Del(2, "a", 1L));
        Assert.Equal(["+a|1@1", "+b|2@0.5", "-a|1@2"], output.Log);
    }

    [Fact]
    public void The_watermark_is_the_smaller_of_the_two_and_goes_out_only_when_it_advances_never_back()
    {
        union.LeftObserver.OnNext(E.Wm(5));
        union.RightObserver.OnNext(E.Wm(2));
        union.RightObserver.OnNext(E.Wm(2));
        union.LeftObserver.OnNext(E.Wm(4)); // an input's watermark never goes back
        union.RightObserver.OnNext(E.Wm(7));
        union.LeftObserver.OnNext(E.Wm(6));
        Assert.Equal(["wm@2", "wm@5", "wm@6"], output.Log);
    }

    [Fact]
    public void The_output_completes_once_both_inputs_have_and_an_error_of_either_ends_it()
    {
        union.RightObserver.OnNext(E.Wm(3));
        union.LeftObserver.OnCompleted();
        union.RightObserver.OnNext(E.Ins(4, "late"));
        Assert.Equal(["wm@3", "+late@4"], output.Log);
        union.RightObserver.OnCompleted();
        Assert.Equal(["wm@3", "+late@4", "wm@inf", "completed"], output.Log);

        var failed = new ElementRecorder();
        var other = new UnionSink(failed);
        other.RightObserver.OnError(new InvalidOperationException("read failed"));
        other.LeftObserver.OnNext(E.Ins(1, "a"));
        other.LeftObserver.OnCompleted();
        Assert.Equal(["error: read failed"], failed.Log);
    }

    [Fact]
    public void Three_inputs_union_into_one_output_whose_watermark_is_the_slowest_inputs()
    {
        using var run = new QueryRun("SELECT k, ts FROM t UNION ALL SELECT k, ts FROM u UNION ALL SELECT k, ts FROM late");
        run.Push(0, 11, "a", 1L, null, null, null, QueryRun.At(11), null);
        run.Push(1, 12, "b", 1L, QueryRun.At(12));
        run.Push(2, 13, "c", 1L, QueryRun.At(13));
        Assert.Equal(["a|00:00:11.000", "b|00:00:12.000", "c|00:00:13.000"], run.Rows.Select(r => QueryRun.Render(r.Values)));
        Assert.Equal(QueryRun.At(8), run.Stats.Watermark); // the third input's: 13 s minus its 5 s delay
        run.Push(2, 20, "c", 1L, QueryRun.At(20));
        Assert.Equal(QueryRun.At(11), run.Stats.Watermark); // now the first input's
    }
}
