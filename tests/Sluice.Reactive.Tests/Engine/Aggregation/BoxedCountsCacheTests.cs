using Sluice.Reactive.Aggregation;

namespace Sluice.Reactive.Tests.Engine.Aggregation;

/// <summary>
/// A count below <see cref="BoxedCounts.Cached"/> is the one box made for it, whichever overload asks: an updating
/// aggregate's rows hold their counts as objects, and a fresh box per emitted row is garbage for nothing.
/// </summary>
public sealed class BoxedCountsCacheTests
{
    [Theory]
    [InlineData(0L)]
    [InlineData(5L)]
    [InlineData(BoxedCounts.Cached - 1L)]
    public void A_cached_count_is_the_same_box_every_time(long count)
    {
        var box = BoxedCounts.Of(count);
        Assert.Equal(count, box);
        Assert.Same(box, BoxedCounts.Of(count));
        Assert.Same(box, BoxedCounts.Of(count, null));
        Assert.Same(box, BoxedCounts.Of(count, (object)count)); // the cache's box, not the previous one
    }
}
