using Sluice.Reactive.Aggregation;
using Sluice.Reactive.Operators;
using Sluice.Reactive.Planning;

namespace Sluice.Reactive.Tests.Engine.Operators;

/// <summary>GROUP BY without a window, driven element by element over rows [k, v]: COUNT(*) and SUM(v) per k.</summary>
public sealed class GroupAggregateOperatorTests
{
    private readonly ElementRecorder output = new();
    private readonly QueryStats stats = new();
    private readonly GroupAggregateSink sink;

    public GroupAggregateOperatorTests()
    {
        AggregateSpec[] specs =
        [
            new(new AggregateCall(AggregateKind.CountStar, null, false, SqlType.Bigint), null, true),
            new(new AggregateCall(AggregateKind.Sum, null, false, SqlType.Bigint), E.Column(1), true),
        ];
        sink = new GroupAggregateSink(output, [E.Column(0)], specs, stats, "aggregate");
    }

    [Fact]
    public void Each_change_retracts_the_groups_previous_row_at_the_time_of_the_change()
    {
        sink.OnNext(E.Ins(1, "a", 5L));
        sink.OnNext(E.Ins(2, "a", 2L));
        Assert.Equal(["+a|1|5@1", "-a|1|5@2", "+a|2|7@2"], output.Log);
    }

    [Fact]
    public void A_group_whose_rows_are_all_retracted_is_deleted_and_released()
    {
        sink.OnNext(E.Ins(1, "a", 5L));
        sink.OnNext(E.Ins(1, "b", 1L));
        sink.OnNext(E.Del(2, "a", 5L));
        Assert.Equal(["+a|1|5@1", "+b|1|1@1", "-a|1|5@2"], output.Log);
        Assert.Equal(1, stats.StateSize);
    }

    [Fact]
    public void A_group_that_comes_back_after_full_retraction_starts_from_nothing()
    {
        sink.OnNext(E.Ins(1, "a", 5L));
        sink.OnNext(E.Del(2, "a", 5L));
        sink.OnNext(E.Ins(3, "a", 7L));
        Assert.Equal(["+a|1|5@1", "-a|1|5@2", "+a|1|7@3"], output.Log);
        Assert.Equal(1, stats.StateSize);
    }

    [Fact]
    public void A_change_that_leaves_the_groups_row_as_it_was_emits_nothing()
    {
        var max = new ElementRecorder();
        var maxSink = new GroupAggregateSink(max, [E.Column(0)],
            [new(new AggregateCall(AggregateKind.Max, null, false, SqlType.Bigint), E.Column(1), true)], new QueryStats(), "aggregate");
        maxSink.OnNext(E.Ins(1, "a", 5L));
        maxSink.OnNext(E.Ins(2, "a", 3L));
        maxSink.OnNext(E.Del(3, "a", 3L));
        maxSink.OnNext(E.Ins(4, "a", 9L));
        Assert.Equal(["+a|5@1", "-a|5@4", "+a|9@4"], max.Log);
    }

    [Fact]
    public void A_retraction_for_a_group_never_seen_is_ignored()
    {
        sink.OnNext(E.Del(1, "a", 5L));
        Assert.Empty(output.Log);
        Assert.Equal(0, stats.StateSize);
    }

    // Ignored outright: such a retraction neither counts against the state limit (a group held for it would, for a
    // moment) nor has its arguments evaluated (one that fails would fault the query for a row that changes nothing).
    [Fact]
    public void A_retraction_for_a_group_never_seen_neither_counts_against_the_state_limit_nor_fails_on_its_arguments()
    {
        var limited = new QueryStats { StateRowLimit = 1 };
        var recorder = new ElementRecorder();
        var divide = new GroupAggregateSink(recorder, [E.Column(0)],
            [new(new AggregateCall(AggregateKind.Sum, null, false, SqlType.Bigint), row => 10L / (long)row[1]!, true)], limited, "aggregate");
        divide.OnNext(E.Ins(1, "a", 5L));
        divide.OnNext(E.Del(2, "b", 5L)); // with "a" held the table is at its limit
        divide.OnNext(E.Del(3, "c", 0L)); // its argument divides by zero
        divide.OnNext(E.Ins(4, "a", 2L));

        Assert.Null(recorder.Error);
        Assert.Equal(["+a|2@1", "-a|2@4", "+a|7@4"], recorder.Log);
        Assert.Equal(1, limited.StateSize);
    }

    [Fact]
    public void A_null_argument_counts_for_count_star_and_leaves_the_sum_alone()
    {
        sink.OnNext(E.Ins(1, "a", 5L));
        sink.OnNext(E.Ins(2, "a", null));
        sink.OnNext(E.Del(3, "a", null));
        Assert.Equal(["+a|1|5@1", "-a|1|5@2", "+a|2|5@2", "-a|2|5@3", "+a|1|5@3"], output.Log);
    }

    [Fact]
    public void An_overflow_faults_the_output_with_the_operators_description_and_detaches()
    {
        sink.OnNext(E.Ins(1, "a", long.MaxValue));
        sink.OnNext(E.Ins(2, "a", 1L));
        sink.OnNext(E.Ins(3, "b", 1L));
        Assert.Equal(2, output.Log.Count);
        Assert.Equal("error: Numeric overflow (in aggregate)", output.Log[^1]);
    }

    [Fact]
    public void Watermarks_pass_through_and_an_empty_input_completes_without_rows()
    {
        sink.OnNext(E.Wm(1));
        sink.OnCompleted();
        Assert.Equal(["wm@1", "wm@inf", "completed"], output.Log);
    }

    [Fact]
    public void A_second_capture_while_one_is_open_is_refused_saying_so()
    {
        sink.OnNext(E.Ins(1, "a", 5L));
        var open = sink.Capture();
        var error = Assert.Throws<InvalidOperationException>(() => sink.Capture());
        Assert.Contains("capture of this GROUP BY's table is still open", error.Message);
        open.Release();
    }

    [Fact]
    public void A_checkpoint_in_the_middle_of_a_batch_is_refused_saying_so()
    {
        sink.BeginBatches();
        sink.OnNext(E.Ins(1, "a", 5L));
        var error = Assert.Throws<InvalidOperationException>(() => sink.WriteState(new BinaryWriter(new MemoryStream())));
        Assert.Contains("in the middle of a batch", error.Message);
    }
}
