using System.Runtime.CompilerServices;
using Sluice.Reactive.Operators;
using Sluice.Reactive.Runtime.Checkpoints;
using Sluice.Reactive.Tests.Engine.Operators;

namespace Sluice.Reactive.Tests.Checkpoints;

/// <summary>
/// An operator keeps the buffers of its last checkpoint capture for the next one (a copy of a million-row table each
/// second would otherwise be allocated again): once the capture is written and released, those buffers must hold no
/// row any more, or every row ever captured stays in memory after the operator itself let it go.
/// </summary>
public sealed class ReleasedCaptureMemoryTests
{
    // Not a recorder: the rows it would keep are the ones that must be collectable.
    private static readonly IObserver<Element> Discard = System.Reactive.Observer.Create<Element>(_ => { });

    private static void WriteAndRelease(ISnapshotCheckpointable op)
    {
        var capture = op.Capture();
        using (var writer = new BinaryWriter(new MemoryStream())) capture.Write(writer);
        capture.Release();
    }

    private static void AssertCollected(List<WeakReference<string>> values)
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        Assert.All(values, w => Assert.False(w.TryGetTarget(out _), "a value of a row the operator let go is still referenced"));
    }

    [Fact]
    public void A_distinct_table_captured_then_emptied_keeps_none_of_its_rows()
    {
        var distinct = new DistinctSink(Discard, new QueryStats());
        var values = Distinct(distinct, 50);
        AssertCollected(values);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static List<WeakReference<string>> Distinct(DistinctSink distinct, int count)
    {
        var values = new List<WeakReference<string>>();
        for (var i = 0; i < count; i++)
        {
            var value = new string('d', 1) + i;
            values.Add(new WeakReference<string>(value));
            distinct.OnNext(E.Ins(1, value));
        }
        WriteAndRelease(distinct);
        for (var i = 0; i < count; i++) distinct.OnNext(E.Del(2, "d" + i)); // equal values, not the same strings
        return values;
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void A_join_side_captured_then_emptied_keeps_none_of_its_rows(bool left)
    {
        var join = new JoinSink(Discard, [E.Column(0)], [E.Column(0)], null, 2, 2, false, false, [], [], appendOnly: false, new QueryStats());
        var values = Join(join, left, 50);
        AssertCollected(values);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static List<WeakReference<string>> Join(JoinSink join, bool left, int count)
    {
        var side = left ? join.LeftObserver : join.RightObserver;
        var values = new List<WeakReference<string>>();
        for (var i = 0; i < count; i++)
        {
            var value = new string('j', 1) + i;
            values.Add(new WeakReference<string>(value));
            side.OnNext(E.Ins(1, "k" + (i % 3), value));
        }
        WriteAndRelease(join);
        for (var i = 0; i < count; i++) side.OnNext(E.Del(2, "k" + (i % 3), "j" + i));
        return values;
    }
}
