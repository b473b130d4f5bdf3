using Sluice.Reactive.Aggregation;
using Sluice.Reactive.Operators;
using Sluice.Reactive.Planning;

namespace Sluice.Reactive.Tests.Engine.Operators;

/// <summary>
/// Which groups keep the row they emitted (GroupAggregateSink): a group whose results are all cheap (counts, append-only
/// MIN/MAX) and of fewer than BoxedCounts.Cached rows keeps none and rebuilds it before its next change; any other
/// group keeps it. Whether the row was kept shows in the retraction: the very object emitted before, or an equal one
/// rebuilt. Either way the values must be the row emitted before.
/// </summary>
public sealed class GroupAggregateKeptRowTests
{
    private static readonly AggregateSpec CountStar = new(new AggregateCall(AggregateKind.CountStar, null, false, SqlType.Bigint), null, true);
    private static readonly AggregateSpec CountV = new(new AggregateCall(AggregateKind.Count, null, false, SqlType.Bigint), E.Column(1), true);
    private static readonly AggregateSpec SumV = new(new AggregateCall(AggregateKind.Sum, null, false, SqlType.Bigint), E.Column(1), true);

    private readonly ElementRecorder output = new();

    private GroupAggregateSink Sink(params AggregateSpec[] specs) => new(output, [E.Column(0)], specs, new QueryStats(), "aggregate");

    // The row of the last insertion, and the row the next element retracts.
    private object?[] LastInsert => output.Elements.Last(e => e.Kind == ElementKind.Insert).Row!;

    private object?[] RetractionAfter(GroupAggregateSink sink, Element next)
    {
        var before = output.Elements.Count;
        sink.OnNext(next);
        var retraction = output.Elements[before];
        Assert.Equal(ElementKind.Delete, retraction.Kind);
        return retraction.Row!;
    }

    [Fact]
    public void A_group_of_counts_keeps_its_row_from_exactly_BoxedCounts_Cached_rows_on()
    {
        var sink = Sink(CountStar);
        for (var i = 1; i < BoxedCounts.Cached; i++) sink.OnNext(E.Ins(i, "a", 1L));
        var belowCached = LastInsert;
        Assert.Equal(["a", (long)BoxedCounts.Cached - 1], belowCached);

        var rebuilt = RetractionAfter(sink, E.Ins(BoxedCounts.Cached, "a", 1L));
        Assert.Equal(belowCached, rebuilt);
        Assert.NotSame(belowCached, rebuilt);

        var atCached = LastInsert;
        Assert.Equal(["a", (long)BoxedCounts.Cached], atCached);
        Assert.Same(atCached, RetractionAfter(sink, E.Ins(BoxedCounts.Cached + 1, "a", 1L)));
    }

    [Fact]
    public void A_group_with_one_result_that_is_not_cheap_keeps_its_row_however_small()
    {
        var sink = Sink(CountStar, SumV);
        sink.OnNext(E.Ins(1, "a", 5L));
        var first = LastInsert;
        Assert.Same(first, RetractionAfter(sink, E.Ins(2, "a", 2L)));
        Assert.Equal(["+a|1|5@1", "-a|1|5@2", "+a|2|7@2"], output.Log);
    }

    [Fact]
    public void A_kept_row_stays_kept_through_a_change_that_leaves_it_as_it_was()
    {
        var sink = Sink(SumV);
        sink.OnNext(E.Ins(1, "a", 5L));
        var first = LastInsert;
        sink.OnNext(E.Ins(2, "a", 0L)); // the sum stays 5: nothing is emitted
        Assert.Equal(["+a|5@1"], output.Log);
        Assert.Same(first, RetractionAfter(sink, E.Ins(3, "a", 1L)));
        Assert.Equal(["+a|5@1", "-a|5@3", "+a|6@3"], output.Log);
    }

    [Fact]
    public void A_group_that_falls_below_BoxedCounts_Cached_without_changing_its_row_lets_its_kept_row_go()
    {
        // COUNT(v) does not count the NULL row, so removing it takes the group below the threshold with the same row.
        var sink = Sink(CountV);
        sink.OnNext(E.Ins(0, "a", null));
        for (var i = 1; i < BoxedCounts.Cached; i++) sink.OnNext(E.Ins(i, "a", 1L));
        var kept = LastInsert;
        Assert.Equal(["a", (long)BoxedCounts.Cached - 1], kept);

        var before = output.Elements.Count;
        sink.OnNext(E.Del(BoxedCounts.Cached, "a", null));
        Assert.Equal(before, output.Elements.Count);

        var retracted = RetractionAfter(sink, E.Ins(BoxedCounts.Cached + 1, "a", 1L));
        Assert.Equal(kept, retracted);
        Assert.NotSame(kept, retracted);
        Assert.Equal(["a", (long)BoxedCounts.Cached], LastInsert);
    }
}
