using Sluice.Reactive.Aggregation;
using Sluice.Reactive.Operators;
using Sluice.Reactive.Planning;

namespace Sluice.Reactive.Tests.Engine.Operators;

/// <summary>
/// A GROUP BY that emits in another layout than its aggregate row (outputColumns: here SUM(v), k of [k, COUNT(*), SUM(v)])
/// checkpoints the row each group last emitted in the aggregate row's layout and puts it back in its own on restore.
/// The row is stored only when it is not the group's result exactly: 1.0 + 0.00 is 1.00, equal to the 1.0 emitted,
/// so nothing is emitted and the next change must retract 1.0, also after a restart.
/// </summary>
public sealed class GroupAggregateProjectedCheckpointTests
{
    private static readonly int[] SumThenKey = [2, 0];

    private static GroupAggregateSink Sink(ElementRecorder output) => new(output, [E.Column(0)],
        [
            new(new AggregateCall(AggregateKind.CountStar, null, false, SqlType.Bigint), null, true),
            new(new AggregateCall(AggregateKind.Sum, null, false, SqlType.Decimal), E.Column(1), true),
        ], new QueryStats(), "aggregate", SumThenKey);

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void A_kept_row_in_the_output_layout_is_restored_in_it_and_retracted_exactly(bool lazily)
    {
        var output = new ElementRecorder();
        var sink = Sink(output);
        sink.OnNext(E.Ins(1, "a", 1.0m));
        sink.OnNext(E.Ins(2, "a", 0.00m));
        sink.OnNext(E.Ins(2, "b", 2.5m));
        Assert.Equal(["+1.0|a@1", "+2.5|b@2"], output.Log);
        var state = new MemoryStream();
        sink.WriteState(new BinaryWriter(state));

        var restoredOutput = new ElementRecorder();
        var restored = Sink(restoredOutput);
        // Over a blob it can see, the table is restored lazily (RestoredGroups); else every group is decoded at once.
        var blob = state.ToArray();
        var input = new MemoryStream(blob, 0, blob.Length, writable: false, publiclyVisible: lazily);
        restored.ReadState(new BinaryReader(input));
        restored.OnNext(E.Ins(3, "a", 1m));
        restored.OnNext(E.Ins(3, "b", 1m));

        Assert.Null(restoredOutput.Error);
        Assert.Equal(["-1.0|a@3", "+2.00|a@3", "-2.5|b@3", "+3.5|b@3"], restoredOutput.Log);
    }
}
