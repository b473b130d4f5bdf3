using Sluice.Reactive.Operators;

namespace Sluice.Reactive.Tests.Engine.Operators;

/// <summary>
/// DISTINCT's checkpoint capture (<see cref="DistinctStateCapture"/>) beyond the contract OperatorCaptureTests pins: the
/// refusal of a second open capture says what is wrong, and a released capture's buffer is taken again without a new
/// allocation while the table has not grown (a copy of a large table each checkpoint would otherwise be garbage).
/// </summary>
public sealed class DistinctCaptureReuseTests
{
    private static readonly IObserver<Element> Discard = System.Reactive.Observer.Create<Element>(_ => { });

    [Fact]
    public void A_second_capture_while_one_is_open_is_refused_with_a_message_naming_the_open_capture()
    {
        var distinct = new DistinctSink(Discard, new QueryStats());
        distinct.OnNext(E.Ins(1, "a"));
        var open = distinct.Capture();
        var refusal = Assert.Throws<InvalidOperationException>(() => distinct.Capture());
        Assert.Equal("A capture of this DISTINCT's table is still open.", refusal.Message);
        open.Release();
        distinct.Capture().Release();
    }

    [Theory]
    [InlineData(1)]
    [InlineData(1_000)]
    public void A_capture_taken_again_for_a_table_of_the_same_size_allocates_nothing(int rows)
    {
        var distinct = new DistinctSink(Discard, new QueryStats());
        for (var i = 0; i < rows; i++) distinct.OnNext(E.Ins(1, "r" + i));
        distinct.Capture().Release();
        distinct.OnNext(E.Del(2, "r0"));
        distinct.OnNext(E.Ins(2, "other"));

        var before = GC.GetAllocatedBytesForCurrentThread();
        var capture = distinct.Capture();
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        capture.Release();
        Assert.Equal(0, allocated);
    }
}
