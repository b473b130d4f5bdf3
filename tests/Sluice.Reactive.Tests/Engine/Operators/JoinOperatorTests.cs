using Sluice.Reactive.Expressions;
using Sluice.Reactive.Operators;

namespace Sluice.Reactive.Tests.Engine.Operators;

/// <summary>
/// The join operator driven element by element: left rows are [k, v], right rows [k, w], joined on k.
/// Each test pins one rule of inner and left joins over inserts, retractions, watermarks and ends.
/// </summary>
public sealed class JoinOperatorTests
{
    private sealed class Join
    {
        public readonly ElementRecorder Out = new();
        public readonly QueryStats Stats = new();
        public readonly JoinSink Sink;
        public readonly IObserver<Element> Left;
        public readonly IObserver<Element> Right;

        public Join(bool leftOuter = false, bool appendOnly = true, Func<object?[], bool>? condition = null, JoinExpiry[]? leftExpiry = null, JoinExpiry[]? rightExpiry = null)
        {
            Sink = new JoinSink(Out, [E.Column(0)], [E.Column(0)], condition, 2, 2, leftOuter, false, leftExpiry ?? [], rightExpiry ?? [], appendOnly, Stats);
            Left = Sink.LeftObserver;
            Right = Sink.RightObserver;
        }
    }

    [Fact]
    public void Inner_join_matches_a_right_row_arriving_after_the_left_one_and_the_reverse()
    {
        var join = new Join();
        join.Left.OnNext(E.Ins(1, "a", 1L));
        join.Right.OnNext(E.Ins(2, "a", 10L));
        join.Right.OnNext(E.Ins(3, "b", 20L));
        join.Left.OnNext(E.Ins(4, "b", 2L));
        Assert.Equal(["+a|1|a|10@2", "+b|2|b|20@4"], join.Out.Log);
    }

    [Fact]
    public void Inner_join_emits_no_padded_rows_when_a_right_row_arrives_or_leaves()
    {
        var join = new Join(appendOnly: false);
        join.Left.OnNext(E.Ins(1, "a", 1L));
        join.Right.OnNext(E.Ins(2, "a", 10L));
        join.Right.OnNext(E.Del(3, "a", 10L));
        Assert.Equal(["+a|1|a|10@2", "-a|1|a|10@3"], join.Out.Log);
    }

    [Fact]
    public void Inner_join_retracting_a_left_row_retracts_each_of_its_joined_rows()
    {
        var join = new Join(appendOnly: false);
        join.Right.OnNext(E.Ins(1, "a", 10L));
        join.Right.OnNext(E.Ins(1, "a", 20L));
        join.Left.OnNext(E.Ins(2, "a", 1L));
        join.Left.OnNext(E.Del(3, "a", 1L));
        Assert.Equal(["+a|1|a|10@2", "+a|1|a|20@2", "-a|1|a|10@3", "-a|1|a|20@3"], join.Out.Log);
        Assert.Equal(2, join.Stats.StateSize);
    }

    [Fact]
    public void A_retracted_left_row_no_longer_matches_later_right_rows()
    {
        var join = new Join(appendOnly: false);
        join.Left.OnNext(E.Ins(1, "a", 1L));
        join.Left.OnNext(E.Del(2, "a", 1L));
        join.Right.OnNext(E.Ins(3, "a", 10L));
        Assert.Empty(join.Out.Log);
        Assert.Equal(1, join.Stats.StateSize);
    }

    [Fact]
    public void A_retracted_right_row_no_longer_matches_later_left_rows()
    {
        var join = new Join(appendOnly: false);
        join.Right.OnNext(E.Ins(1, "a", 10L));
        join.Right.OnNext(E.Del(2, "a", 10L));
        join.Left.OnNext(E.Ins(3, "a", 1L));
        Assert.Empty(join.Out.Log);
    }

    [Fact]
    public void Retracting_one_of_two_equal_rows_keeps_the_other_one_matching()
    {
        var join = new Join(appendOnly: false);
        join.Left.OnNext(E.Ins(1, "a", 1L));
        join.Left.OnNext(E.Ins(1, "a", 1L));
        join.Left.OnNext(E.Del(2, "a", 1L));
        join.Right.OnNext(E.Ins(3, "a", 10L));
        Assert.Equal(["+a|1|a|10@3"], join.Out.Log);
        Assert.Equal(2, join.Stats.StateSize);
    }

    [Fact]
    public void A_retraction_of_a_row_never_stored_changes_nothing()
    {
        var join = new Join(leftOuter: true, appendOnly: false);
        join.Left.OnNext(E.Ins(1, "a", 1L));
        join.Right.OnNext(E.Ins(2, "a", 10L));
        join.Right.OnNext(E.Del(3, "a", 99L));
        join.Left.OnNext(E.Del(3, "a", 2L));
        Assert.Equal(["+a|1|null|null@1", "-a|1|null|null@2", "+a|1|a|10@2"], join.Out.Log);
        Assert.Equal(2, join.Stats.StateSize);
    }

    [Fact]
    public void Left_join_row_arriving_after_its_partner_is_not_also_padded()
    {
        var join = new Join(leftOuter: true, appendOnly: false);
        join.Right.OnNext(E.Ins(1, "a", 10L));
        join.Left.OnNext(E.Ins(2, "a", 1L));
        Assert.Equal(["+a|1|a|10@2"], join.Out.Log);
        // Its match count was recorded: the partner leaving restores the padded row exactly once.
        join.Right.OnNext(E.Del(3, "a", 10L));
        Assert.Equal(["+a|1|a|10@2", "-a|1|a|10@3", "+a|1|null|null@3"], join.Out.Log);
    }

    [Fact]
    public void Left_join_row_arriving_after_two_partners_is_padded_only_when_both_have_left()
    {
        var join = new Join(leftOuter: true, appendOnly: false);
        join.Right.OnNext(E.Ins(1, "a", 10L));
        join.Right.OnNext(E.Ins(1, "a", 20L));
        join.Left.OnNext(E.Ins(2, "a", 1L));
        join.Right.OnNext(E.Del(3, "a", 10L));
        Assert.Equal(["a|1|a|20"], join.Out.Table());
        join.Right.OnNext(E.Del(4, "a", 20L));
        Assert.Equal(["a|1|null|null"], join.Out.Table());
        Assert.Equal("+a|1|null|null@4", join.Out.Log[^1]);
    }

    [Fact]
    public void Left_join_pads_a_row_without_partners_and_replaces_the_padding_when_one_arrives()
    {
        var join = new Join(leftOuter: true, appendOnly: false);
        join.Left.OnNext(E.Ins(1, "a", 1L));
        join.Right.OnNext(E.Ins(2, "a", 10L));
        join.Right.OnNext(E.Ins(3, "a", 20L));
        Assert.Equal(["+a|1|null|null@1", "-a|1|null|null@2", "+a|1|a|10@2", "+a|1|a|20@3"], join.Out.Log);
    }

    [Fact]
    public void Left_join_retracting_the_left_row_retracts_its_joined_rows_without_padding()
    {
        var join = new Join(leftOuter: true, appendOnly: false);
        join.Right.OnNext(E.Ins(1, "a", 10L));
        join.Left.OnNext(E.Ins(2, "a", 1L));
        join.Left.OnNext(E.Del(3, "a", 1L));
        Assert.Equal(["+a|1|a|10@2", "-a|1|a|10@3"], join.Out.Log);
        Assert.Empty(join.Out.Table());
    }

    [Fact]
    public void Left_join_retracting_an_unmatched_left_row_retracts_its_padded_row()
    {
        var join = new Join(leftOuter: true, appendOnly: false);
        join.Left.OnNext(E.Ins(1, "a", 1L));
        join.Left.OnNext(E.Del(2, "a", 1L));
        join.Right.OnNext(E.Ins(3, "a", 10L));
        Assert.Equal(["+a|1|null|null@1", "-a|1|null|null@2"], join.Out.Log);
    }

    [Fact]
    public void Left_join_residual_condition_that_rejects_every_partner_keeps_the_padding()
    {
        var join = new Join(leftOuter: true, appendOnly: false, condition: r => (long)r[3]! > 15);
        join.Right.OnNext(E.Ins(1, "a", 10L));
        join.Left.OnNext(E.Ins(2, "a", 1L));
        join.Right.OnNext(E.Ins(3, "a", 5L));
        join.Right.OnNext(E.Del(4, "a", 10L));
        Assert.Equal(["+a|1|null|null@2"], join.Out.Log);
        join.Right.OnNext(E.Ins(5, "a", 20L));
        Assert.Equal(["+a|1|null|null@2", "-a|1|null|null@5", "+a|1|a|20@5"], join.Out.Log);
    }

    [Fact]
    public void The_residual_condition_sees_the_left_columns_then_the_right_ones()
    {
        var seen = new List<string>();
        var join = new Join(condition: r =>
        {
            seen.Add(QueryRun.Render(r));
            return true;
        });
        join.Left.OnNext(E.Ins(1, "a", 1L));
        join.Right.OnNext(E.Ins(2, "a", 10L));
        join.Left.OnNext(E.Ins(3, "a", 2L));
        Assert.Equal(["a|1|a|10", "a|2|a|10"], seen);
    }

    [Fact]
    public void Append_only_rows_carry_the_later_event_time_of_the_pair_whichever_side_arrives_second()
    {
        var join = new Join();
        join.Left.OnNext(E.Ins(5, "a", 1L));
        join.Right.OnNext(E.Ins(7, "a", 10L)); // right second, later
        join.Right.OnNext(E.Ins(3, "a", 20L)); // right second, earlier
        join.Left.OnNext(E.Ins(6, "a", 2L)); // left second: later than 3, earlier than 7
        Assert.Equal(["+a|1|a|10@7", "+a|1|a|20@5", "+a|2|a|10@7", "+a|2|a|20@6"], join.Out.Log);
    }

    [Fact]
    public void Changelog_rows_carry_the_event_time_of_the_row_that_caused_them()
    {
        var join = new Join(leftOuter: true, appendOnly: false);
        join.Left.OnNext(E.Ins(5, "a", 1L));
        join.Right.OnNext(E.Ins(3, "a", 10L));
        join.Left.OnNext(E.Ins(2, "a", 2L));
        Assert.Equal(["+a|1|null|null@5", "-a|1|null|null@3", "+a|1|a|10@3", "+a|2|a|10@2"], join.Out.Log);
    }

    [Fact]
    public void Null_keys_match_nothing_but_a_left_join_still_pads_and_retracts_the_left_row()
    {
        var join = new Join(leftOuter: true, appendOnly: false);
        join.Right.OnNext(E.Ins(1, null, 10L));
        join.Left.OnNext(E.Ins(2, null, 1L));
        join.Left.OnNext(E.Del(3, null, 1L));
        Assert.Equal(["+null|1|null|null@2", "-null|1|null|null@3"], join.Out.Log);
        Assert.Equal(0, join.Stats.StateSize);
    }

    [Fact]
    public void Full_join_pads_rows_of_either_side_until_a_partner_arrives_and_again_once_it_leaves()
    {
        var output = new ElementRecorder();
        var stats = new QueryStats();
        var sink = new JoinSink(output, [E.Column(0)], [E.Column(0)], null, 2, 2, leftOuter: true, rightOuter: true, [], [], appendOnly: false, stats);
        sink.RightObserver.OnNext(E.Ins(1, "a", 10L));
        sink.LeftObserver.OnNext(E.Ins(2, "a", 1L));
        sink.RightObserver.OnNext(E.Del(3, "a", 10L));
        sink.RightObserver.OnNext(E.Ins(4, null, 20L));
        sink.LeftObserver.OnNext(E.Ins(5, null, 2L));
        sink.LeftObserver.OnNext(E.Del(6, "a", 1L));
        Assert.Equal(
            [
                "+null|null|a|10@1",
                "-null|null|a|10@2", "+a|1|a|10@2",
                "-a|1|a|10@3", "+a|1|null|null@3",
                "+null|null|null|20@4",
                "+null|2|null|null@5",
                "-a|1|null|null@6",
            ],
            output.Log);
        Assert.Equal(0, stats.StateSize);
    }

    [Fact]
    public void Inner_join_null_keys_emit_nothing_on_either_side()
    {
        var join = new Join();
        join.Left.OnNext(E.Ins(1, null, 1L));
        join.Right.OnNext(E.Ins(2, null, 10L));
        Assert.Empty(join.Out.Log);
        Assert.Equal(0, join.Stats.StateSize);
    }

    [Fact]
    public void The_output_watermark_is_the_minimum_of_both_sides_sent_only_when_it_advances()
    {
        var join = new Join();
        join.Left.OnNext(E.Wm(5));
        Assert.Empty(join.Out.Log);
        join.Right.OnNext(E.Wm(3));
        join.Right.OnNext(E.Wm(3));
        join.Right.OnNext(E.Wm(2));
        join.Right.OnNext(E.Wm(8));
        join.Left.OnNext(E.Wm(4));
        join.Left.OnNext(E.Wm(9));
        Assert.Equal(["wm@3", "wm@5", "wm@8"], join.Out.Log);
    }

    [Fact]
    public void The_output_completes_after_both_inputs_with_the_final_watermark_first()
    {
        var join = new Join();
        join.Right.OnNext(E.Wm(2));
        join.Left.OnCompleted();
        join.Left.OnCompleted();
        Assert.Equal(["wm@2"], join.Out.Log);
        join.Right.OnCompleted();
        Assert.Equal(["wm@2", "wm@inf", "completed"], join.Out.Log);
    }

    [Fact]
    public void Empty_inputs_complete_the_output_without_rows()
    {
        var join = new Join();
        join.Left.OnCompleted();
        join.Right.OnCompleted();
        Assert.Equal(["wm@inf", "completed"], join.Out.Log);
        Assert.Equal(0, join.Stats.StateSize);
    }

    [Fact]
    public void An_error_on_either_input_ends_the_output_and_nothing_follows()
    {
        var join = new Join();
        var boom = new InvalidOperationException("store failed");
        join.Right.OnError(boom);
        join.Left.OnNext(E.Ins(1, "a", 1L));
        join.Left.OnError(new InvalidOperationException("second"));
        join.Left.OnCompleted();
        join.Right.OnCompleted();
        Assert.Same(boom, join.Out.Error);
        Assert.Equal(["error: store failed"], join.Out.Log);
    }

    [Fact]
    public void A_failing_join_condition_faults_the_output_and_detaches()
    {
        var join = new Join(condition: _ => throw new DivideByZeroException());
        join.Left.OnNext(E.Ins(1, "a", 1L));
        join.Right.OnNext(E.Ins(2, "a", 10L));
        join.Right.OnNext(E.Ins(3, "a", 20L));
        Assert.IsType<SqlEvaluationException>(join.Out.Error);
        Assert.Contains("join condition", join.Out.Error!.Message, StringComparison.Ordinal);
        Assert.Single(join.Out.Log);
    }

    [Fact]
    public void A_never_ending_input_keeps_the_output_open()
    {
        var join = new Join();
        join.Left.OnCompleted();
        for (var i = 0; i < 100; i++) join.Right.OnNext(E.Ins(i, "k" + i, (long)i));
        Assert.False(join.Out.Completed);
        Assert.Null(join.Out.Error);
        Assert.Equal(100, join.Stats.StateSize);
    }
}
