using Sluice.Reactive.Operators;

namespace Sluice.Reactive.Tests.Engine.Operators;

/// <summary>A two-input operator keeps each input's watermark as the largest it has seen: one that goes back is ignored (the left side: UnionOperatorTests).</summary>
public sealed class BinarySinkWatermarkTests
{
    private readonly ElementRecorder output = new();

    [Fact]
    public void A_right_watermark_that_goes_back_is_ignored()
    {
        var union = new UnionSink(output);
        union.RightObserver.OnNext(E.Wm(7));
        union.RightObserver.OnNext(E.Wm(4));
        union.LeftObserver.OnNext(E.Wm(8));
        union.RightObserver.OnNext(E.Wm(6));
        Assert.Equal(["wm@7"], output.Log);
    }
}
