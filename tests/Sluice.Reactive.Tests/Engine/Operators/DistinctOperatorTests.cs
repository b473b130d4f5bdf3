using Sluice.Reactive.Operators;

namespace Sluice.Reactive.Tests.Engine.Operators;

/// <summary>SELECT DISTINCT driven element by element: the first copy of a row goes out, the last copy's retraction too.</summary>
public sealed class DistinctOperatorTests
{
    private readonly ElementRecorder output = new();
    private readonly QueryStats stats = new();
    private readonly DistinctSink sink;

    public DistinctOperatorTests() => sink = new DistinctSink(output, stats);

    [Fact]
    public void Only_the_first_copy_of_a_row_is_emitted_with_its_own_event_time()
    {
        sink.OnNext(E.Ins(1, "a", 1L));
        sink.OnNext(E.Ins(2, "a", 1L));
        sink.OnNext(E.Ins(3, "a", 2L));
        Assert.Equal(["+a|1@1", "+a|2@3"], output.Log);
        Assert.Equal(2, stats.StateSize);
    }

    [Fact]
    public void A_row_is_retracted_only_when_its_last_copy_is()
    {
        sink.OnNext(E.Ins(1, "a"));
        sink.OnNext(E.Ins(2, "a"));
        sink.OnNext(E.Del(3, "a"));
        Assert.Equal(["+a@1"], output.Log);
        sink.OnNext(E.Del(4, "a"));
        Assert.Equal(["+a@1", "-a@4"], output.Log);
        Assert.Equal(0, stats.StateSize);
    }

    [Fact]
    public void A_row_that_comes_back_after_full_retraction_is_emitted_again()
    {
        sink.OnNext(E.Ins(1, "a"));
        sink.OnNext(E.Del(2, "a"));
        sink.OnNext(E.Ins(3, "a"));
        sink.OnNext(E.Ins(4, "a"));
        Assert.Equal(["+a@1", "-a@2", "+a@3"], output.Log);
        Assert.Equal(1, stats.StateSize);
        sink.OnNext(E.Del(5, "a"));
        sink.OnNext(E.Del(6, "a"));
        Assert.Equal(["+a@1", "-a@2", "+a@3", "-a@6"], output.Log);
    }

    [Fact]
    public void A_retraction_of_a_row_never_seen_is_ignored()
    {
        sink.OnNext(E.Del(1, "a"));
        sink.OnNext(E.Ins(2, "a"));
        Assert.Equal(["+a@2"], output.Log);
    }

    [Fact]
    public void Rows_differing_only_in_a_fifth_column_or_a_null_are_distinct()
    {
        sink.OnNext(E.Ins(1, "a", 1L, 2L, 3L, 4L));
        sink.OnNext(E.Ins(1, "a", 1L, 2L, 3L, 5L));
        sink.OnNext(E.Ins(1, "a", 1L, 2L, 3L, null));
        sink.OnNext(E.Ins(1, "a", 1L, 2L, 3L, null));
        sink.OnNext(E.Ins(1, "a", 1L, 2L, 3L, 4L));
        sink.OnNext(E.Ins(1, null, null));
        sink.OnNext(E.Ins(1, null, null));
        Assert.Equal(["+a|1|2|3|4", "+a|1|2|3|5", "+a|1|2|3|null", "+null|null"], output.Rows);
        sink.OnNext(E.Del(2, "a", 1L, 2L, 3L, 5L));
        Assert.Equal("-a|1|2|3|5", output.Rows[^1]);
    }

    [Fact]
    public void Watermarks_pass_through_and_completion_follows_the_final_one()
    {
        sink.OnNext(E.Wm(3));
        sink.OnCompleted();
        sink.OnNext(E.Ins(4, "a"));
        Assert.Equal(["wm@3", "wm@inf", "completed"], output.Log);
    }

    [Fact]
    public void An_input_error_is_forwarded_once()
    {
        sink.OnError(new InvalidOperationException("boom"));
        sink.OnError(new InvalidOperationException("again"));
        sink.OnCompleted();
        Assert.Equal(["error: boom"], output.Log);
    }
}
