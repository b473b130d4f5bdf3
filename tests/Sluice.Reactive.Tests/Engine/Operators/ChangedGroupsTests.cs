using System.Runtime.CompilerServices;
using Sluice.Reactive.Aggregation;
using Sluice.Reactive.Operators;
using Sluice.Reactive.Planning;

namespace Sluice.Reactive.Tests.Engine.Operators;

/// <summary>
/// The groups a mini-batch changed (<see cref="ChangedGroups"/>, through GroupAggregateSink): every group the batch
/// emptied can come back in the same batch and continue its slot, and a flush keeps nothing of the batch alive.
/// Rows [k, v], COUNT(*) and SUM(v) per k.
/// </summary>
public sealed class ChangedGroupsTests
{
    private static GroupAggregateSink Batched(IObserver<Element> output)
    {
        AggregateSpec[] specs =
        [
            new(new AggregateCall(AggregateKind.CountStar, null, false, SqlType.Bigint), null, true),
            new(new AggregateCall(AggregateKind.Sum, null, false, SqlType.Bigint), E.Column(1), true),
        ];
        var sink = new GroupAggregateSink(output, [E.Column(0)], specs, new QueryStats(), "aggregate");
        sink.BeginBatches();
        return sink;
    }

    [Fact]
    public void Each_of_several_groups_emptied_in_one_batch_continues_its_slot_when_it_comes_back()
    {
        var output = new ElementRecorder();
        var sink = Batched(output);
        sink.OnNext(E.Ins(1, "a", 5L));
        sink.OnNext(E.Ins(1, "b", 1L));
        sink.OnNext(E.Ins(1, "c", 2L));
        sink.Flush();
        sink.OnNext(E.Del(2, "a", 5L));
        sink.OnNext(E.Del(2, "b", 1L));
        sink.OnNext(E.Del(2, "c", 2L));
        sink.OnNext(E.Ins(3, "a", 5L)); // back as it was: nothing to emit
        sink.OnNext(E.Ins(4, "b", 3L)); // back changed: one pair, in b's place
        sink.Flush();
        Assert.Equal(["+a|1|5@1", "+b|1|1@1", "+c|1|2@1", "-b|1|1@4", "+b|1|3@4", "-c|1|2@2"], output.Log);
    }

    [Fact]
    public void Turning_batches_on_again_keeps_the_open_batch()
    {
        var output = new ElementRecorder();
        var sink = Batched(output);
        sink.OnNext(E.Ins(1, "a", 5L));
        sink.BeginBatches();
        sink.OnNext(E.Ins(2, "a", 1L));
        sink.Flush();
        Assert.Equal(["+a|2|6@2"], output.Log);
    }

    [Fact]
    public void A_flush_keeps_no_reference_to_the_groups_and_rows_of_its_batch()
    {
        var output = new WeakRecorder();
        var sink = Batched(output);
        EmptyAGroup(sink);
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        Assert.Equal(2, output.Rows.Count);
        Assert.All(output.Rows, row => Assert.False(row.TryGetTarget(out _), "a flushed batch still holds a row it retracted"));
        GC.KeepAlive(sink);
    }

    // The group keeps the row it emitted (SUM's result is not cheap to rebuild); emptied in the next batch, it leaves the
    // table, and that row is what the flush retracts: afterwards nothing of the operator refers to it.
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void EmptyAGroup(GroupAggregateSink sink)
    {
        sink.OnNext(E.Ins(1, "a", 5L));
        sink.Flush();
        sink.OnNext(E.Del(2, "a", 5L));
        sink.Flush();
    }

    /// <summary>Holds each row it is sent only weakly.</summary>
    private sealed class WeakRecorder : IObserver<Element>
    {
        public List<WeakReference<object?[]>> Rows { get; } = [];

        public void OnNext(Element value)
        {
            if (value.Kind != ElementKind.Watermark) Rows.Add(new WeakReference<object?[]>(value.Row!));
        }

        public void OnError(Exception error) => throw error;

        public void OnCompleted()
        {
        }
    }
}
