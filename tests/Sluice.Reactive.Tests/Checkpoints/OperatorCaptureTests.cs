using Sluice.Reactive.Operators;
using Sluice.Reactive.Runtime.Checkpoints;
using Sluice.Reactive.Tests.Engine.Operators;

namespace Sluice.Reactive.Tests.Checkpoints;

/// <summary>
/// The capture contract of the operators that copy their state for a checkpoint on the driver (join, DISTINCT): at most
/// one capture is open at a time, a released one is taken again for the next checkpoint (its buffers, sized for the
/// whole table, are not allocated again each second), and a capture taken again writes the state at its own capture,
/// not what the earlier one held.
/// </summary>
public sealed class OperatorCaptureTests
{
    private static readonly IObserver<Element> Discard = System.Reactive.Observer.Create<Element>(_ => { });

    private static byte[] Bytes(Action<BinaryWriter> write)
    {
        var stream = new MemoryStream();
        using (var writer = new BinaryWriter(stream)) write(writer);
        return stream.ToArray();
    }

    private static void AssertCaptureContract(ISnapshotCheckpointable op, Action change)
    {
        var first = op.Capture();
        var atFirst = Bytes(op.WriteState);
        Assert.Throws<InvalidOperationException>(() => op.Capture());
        change();
        Assert.Equal(atFirst, Bytes(first.Write));
        first.Release();

        var second = op.Capture();
        Assert.Same(first, second);
        var atSecond = Bytes(op.WriteState);
        Assert.NotEqual(atFirst, atSecond);
        Assert.Equal(atSecond, Bytes(second.Write));
        second.Release();
        op.Capture().Release();
    }

    [Fact]
    public void A_join_refuses_a_second_open_capture_and_takes_the_released_one_again_for_its_state_now()
    {
        var join = new JoinSink(Discard, [E.Column(0)], [E.Column(0)], null, 2, 2, false, false, [], [], appendOnly: false, new QueryStats());
        join.LeftObserver.OnNext(E.Ins(1, "k", "a"));
        AssertCaptureContract(join, () =>
        {
            join.RightObserver.OnNext(E.Ins(2, "k", "b"));
            join.LeftObserver.OnNext(E.Del(3, "k", "a"));
        });
    }

    [Fact]
    public void A_distinct_refuses_a_second_open_capture_and_takes_the_released_one_again_for_its_state_now()
    {
        var distinct = new DistinctSink(Discard, new QueryStats());
        distinct.OnNext(E.Ins(1, "a"));
        distinct.OnNext(E.Ins(1, "b"));
        AssertCaptureContract(distinct, () =>
        {
            distinct.OnNext(E.Del(2, "a"));
            distinct.OnNext(E.Ins(2, "c"));
        });
    }
}
