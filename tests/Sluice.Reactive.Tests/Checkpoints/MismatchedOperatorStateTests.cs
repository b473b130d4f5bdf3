using Sluice.Reactive.Aggregation;
using Sluice.Reactive.Operators;
using Sluice.Reactive.Planning;
using Sluice.Reactive.Tests.Engine.Operators;

namespace Sluice.Reactive.Tests.Checkpoints;

/// <summary>
/// Operator state that does not fit the operator reading it (another query's aggregates, damaged bytes) is refused with
/// an <see cref="InvalidDataException"/> saying what does not fit, instead of being read as something it is not.
/// </summary>
public sealed class MismatchedOperatorStateTests
{
    private static AggregateSpec Spec(AggregateKind kind, Func<object?[], object?>? argument, bool retractable = false) =>
        new(new AggregateCall(kind, null, false, SqlType.Bigint), argument, retractable);

    // HOP(size 6 s, slide 2 s) GROUP BY k, window_start over rows [k, v, ts]: with COUNT(*) alone every aggregate can be
    // subtracted, so the operator keeps a running table; with MIN(v) it cannot, and keeps none.
    private static SlicedWindowAggregateSink Hop(bool subtractable) => new(new ElementRecorder(), 2,
        TimeSpan.FromSeconds(6).Ticks, TimeSpan.FromSeconds(2).Ticks, [E.Column(0)], [0, SlicedWindowAggregateSink.WindowStartKey],
        [subtractable ? Spec(AggregateKind.CountStar, null) : Spec(AggregateKind.Min, E.Column(1))], new QueryStats(), "window aggregate");

    private static byte[] Write(Action<BinaryWriter> write)
    {
        using var stream = new MemoryStream();
        using (var writer = new BinaryWriter(stream, System.Text.Encoding.UTF8, leaveOpen: true)) write(writer);
        return stream.ToArray();
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void A_window_aggregate_refuses_state_written_with_or_without_a_running_table_it_does_not_keep(bool writerSubtractable)
    {
        var blob = Write(Hop(writerSubtractable).WriteState);

        var refused = Assert.Throws<InvalidDataException>(() => Hop(!writerSubtractable).ReadState(new BinaryReader(new MemoryStream(blob))));
        Assert.Contains("running table", refused.Message, StringComparison.Ordinal);

        var stats = new QueryStats();
        var same = new SlicedWindowAggregateSink(new ElementRecorder(), 2, TimeSpan.FromSeconds(6).Ticks, TimeSpan.FromSeconds(2).Ticks,
            [E.Column(0)], [0, SlicedWindowAggregateSink.WindowStartKey],
            [writerSubtractable ? Spec(AggregateKind.CountStar, null) : Spec(AggregateKind.Min, E.Column(1))], stats, "window aggregate");
        same.ReadState(new BinaryReader(new MemoryStream(blob)));
        Assert.Equal(0, stats.StateSize);
    }

    [Fact]
    public void A_group_table_refuses_a_group_whose_last_emitted_row_is_marked_neither_none_row_nor_result()
    {
        AggregateSpec[] specs = [Spec(AggregateKind.CountStar, null, retractable: true)];
        var written = new GroupAggregateSink(new ElementRecorder(), [E.Column(0)], specs, new QueryStats(), "aggregate");
        written.OnNext(E.Ins(1, "a"));
        var blob = Write(written.WriteState);
        // The group's state ends with the byte saying what it last emitted (0 none, 1 a row follows, 2 its result).
        Assert.Equal(2, blob[^1]);
        blob[^1] = 3;

        var fresh = new GroupAggregateSink(new ElementRecorder(), [E.Column(0)], specs, new QueryStats(), "aggregate");
        var refused = Assert.Throws<InvalidDataException>(() => fresh.ReadState(new BinaryReader(new MemoryStream(blob))));
        Assert.Contains("says 3 for what a group last emitted", refused.Message, StringComparison.Ordinal);
    }
}
