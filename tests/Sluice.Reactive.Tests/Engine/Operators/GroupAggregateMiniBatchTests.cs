using Sluice.Reactive.Aggregation;
using Sluice.Reactive.Operators;
using Sluice.Reactive.Planning;

namespace Sluice.Reactive.Tests.Engine.Operators;

/// <summary>
/// GROUP BY with mini-batching on (what the service's run loop turns on): rows [k, v] change their groups without
/// emitting, and each flush emits one pair per group whose row the batch changed. COUNT(*) and SUM(v) per k.
/// </summary>
public sealed class GroupAggregateMiniBatchTests
{
    private readonly ElementRecorder output = new();
    private readonly QueryStats stats = new();
    private readonly GroupAggregateSink sink;

    public GroupAggregateMiniBatchTests()
    {
        sink = Batched(output, stats);
    }

    private static GroupAggregateSink Batched(ElementRecorder into, QueryStats stats)
    {
        AggregateSpec[] specs =
        [
            new(new AggregateCall(AggregateKind.CountStar, null, false, SqlType.Bigint), null, true),
            new(new AggregateCall(AggregateKind.Sum, null, false, SqlType.Bigint), E.Column(1), true),
        ];
        var batched = new GroupAggregateSink(into, [E.Column(0)], specs, stats, "aggregate");
        batched.BeginBatches();
        return batched;
    }

    [Fact]
    public void Rows_of_one_group_in_one_batch_emit_one_pair_at_the_flush_with_the_time_of_the_last()
    {
        sink.OnNext(E.Ins(1, "a", 5L));
        sink.Flush();
        sink.OnNext(E.Ins(2, "a", 2L));
        sink.OnNext(E.Ins(3, "a", 1L));
        sink.OnNext(E.Ins(4, "a", 4L));
        Assert.Equal(["+a|1|5@1"], output.Log);
        sink.Flush();
        Assert.Equal(["+a|1|5@1", "-a|1|5@4", "+a|4|12@4"], output.Log);
    }

    [Fact]
    public void A_new_group_emits_only_its_row_and_groups_come_out_in_the_order_the_batch_first_changed_them()
    {
        sink.OnNext(E.Ins(1, "b", 1L));
        sink.OnNext(E.Ins(2, "a", 2L));
        sink.OnNext(E.Ins(3, "b", 3L));
        sink.Flush();
        Assert.Equal(["+b|2|4@3", "+a|1|2@2"], output.Log);
        Assert.Equal(2, stats.StateSize);
    }

    [Fact]
    public void A_batch_that_leaves_the_row_as_it_was_emits_nothing()
    {
        sink.OnNext(E.Ins(1, "a", 5L));
        sink.Flush();
        sink.OnNext(E.Ins(2, "a", 7L));
        sink.OnNext(E.Del(3, "a", 7L));
        sink.Flush();
        sink.Flush();
        Assert.Equal(["+a|1|5@1"], output.Log);
    }

    [Fact]
    public void A_group_emptied_by_retractions_in_a_batch_emits_only_the_retraction_of_its_row_before_the_batch()
    {
        sink.OnNext(E.Ins(1, "a", 5L));
        sink.OnNext(E.Ins(1, "a", 1L));
        sink.Flush();
        sink.OnNext(E.Del(2, "a", 5L));
        sink.OnNext(E.Del(3, "a", 1L));
        sink.Flush();
        Assert.Equal(["+a|2|6@1", "-a|2|6@3"], output.Log);
        Assert.Equal(0, stats.StateSize);
    }

    [Fact]
    public void A_group_born_and_emptied_inside_one_batch_emits_nothing()
    {
        sink.OnNext(E.Ins(1, "a", 5L));
        sink.OnNext(E.Del(2, "a", 5L));
        sink.OnNext(E.Del(3, "a", 5L)); // a retraction of a group no longer there is ignored, as without batches
        sink.Flush();
        Assert.Empty(output.Log);
        Assert.Equal(0, stats.StateSize);
    }

    [Fact]
    public void A_group_that_goes_and_comes_back_inside_a_batch_emits_one_pair_from_its_row_before_the_batch()
    {
        sink.OnNext(E.Ins(1, "a", 5L));
        sink.Flush();
        sink.OnNext(E.Del(2, "a", 5L));
        sink.OnNext(E.Ins(3, "a", 7L));
        sink.Flush();
        Assert.Equal(["+a|1|5@1", "-a|1|5@3", "+a|1|7@3"], output.Log);
        Assert.Equal(1, stats.StateSize);
    }

    [Fact]
    public void A_group_that_goes_and_comes_back_as_it_was_emits_nothing()
    {
        sink.OnNext(E.Ins(1, "a", 5L));
        sink.Flush();
        sink.OnNext(E.Del(2, "a", 5L));
        sink.OnNext(E.Ins(3, "a", 5L));
        sink.Flush();
        Assert.Equal(["+a|1|5@1"], output.Log);
    }

    [Fact]
    public void A_watermark_inside_a_batch_follows_the_batchs_rows_and_one_outside_a_batch_passes_at_once()
    {
        sink.OnNext(E.Wm(0));
        sink.OnNext(E.Ins(1, "a", 5L));
        sink.OnNext(E.Wm(1));
        sink.OnNext(E.Ins(2, "a", 1L));
        sink.OnNext(E.Wm(2));
        Assert.Equal(["wm@0"], output.Log);
        sink.Flush();
        Assert.Equal(["wm@0", "+a|2|6@2", "wm@2"], output.Log);
    }

    [Fact]
    public void Completion_flushes_the_open_batch_before_it_completes()
    {
        sink.OnNext(E.Ins(1, "a", 5L));
        sink.OnNext(E.Ins(2, "a", 1L));
        sink.OnCompleted();
        Assert.Equal(["+a|2|6@2", "wm@inf", "completed"], output.Log);
    }

    [Fact]
    public void A_checkpoint_is_refused_in_the_middle_of_a_batch_and_taken_after_its_flush()
    {
        sink.OnNext(E.Ins(1, "a", 5L));
        Assert.Throws<InvalidOperationException>(() => sink.WriteState(new BinaryWriter(new MemoryStream())));
        Assert.Throws<InvalidOperationException>(() => sink.Capture());
        sink.Flush();
        sink.WriteState(new BinaryWriter(new MemoryStream()));
        sink.Capture().Release();
    }

    [Fact]
    public void A_checkpoint_taken_right_after_a_flush_restores_to_the_same_output()
    {
        sink.OnNext(E.Ins(1, "a", 5L));
        sink.OnNext(E.Ins(1, "b", 1L));
        sink.Flush();
        sink.OnNext(E.Ins(2, "a", 2L));
        sink.OnNext(E.Del(2, "b", 1L));
        sink.Flush();
        var state = new MemoryStream();
        sink.WriteState(new BinaryWriter(state));

        var restoredOutput = new ElementRecorder();
        var restoredStats = new QueryStats();
        var restored = Batched(restoredOutput, restoredStats);
        restored.ReadState(new BinaryReader(new MemoryStream(state.ToArray())));
        var afterCheckpoint = output.Log.Count;
        foreach (var next in new[] { E.Ins(3, "a", 1L), E.Ins(3, "b", 4L), E.Del(4, "a", 5L), E.Ins(4, "c", 9L) })
        {
            sink.OnNext(next);
            restored.OnNext(next);
        }
        sink.Flush();
        restored.Flush();
        Assert.Equal(output.Log.Skip(afterCheckpoint), restoredOutput.Log);
        Assert.Equal(["-a|2|7@4", "+a|2|3@4", "+b|1|4@3", "+c|1|9@4"], restoredOutput.Log);
        Assert.Equal(stats.StateSize, restoredStats.StateSize);
    }
}
