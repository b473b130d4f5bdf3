using System.Runtime.CompilerServices;
using Sluice.Reactive.Operators;

namespace Sluice.Reactive.Tests.Engine.Operators;

/// <summary>
/// The top-N operator driven element by element over rows [partition, value, tag]: top 2 per partition by value
/// descending, with or without the rank column, keeping every row (an updating input) or only the top N
/// (append-only). What SQL cannot reach: retractions of rows the operator never kept, a failing ORDER BY
/// expression, and the memory of an emptied partition.
/// </summary>
public sealed class TopNOperatorTests
{
    private readonly ElementRecorder output = new();
    private readonly QueryStats stats = new();

    private TopNSink Create(bool emitRank = true, bool keepAll = true, Func<object?[], object?>? order = null, IObserver<Element>? downstream = null) =>
        new(downstream ?? output, [E.Column(0)], [order ?? E.Column(1)], [true], 2, emitRank, keepAll, stats, "top-N");

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Retractions_of_rows_never_seen_change_nothing(bool emitRank)
    {
        var sink = Create(emitRank);
        sink.OnNext(E.Ins(1, "p", 30L, "x"));
        sink.OnNext(E.Ins(2, "p", 20L, "y"));
        sink.OnNext(E.Ins(3, "p", 10L, "z"));
        var before = output.Log.Count;

        sink.OnNext(E.Del(4, "q", 30L, "x"));  // a partition never seen
        sink.OnNext(E.Del(5, "p", 20L, "w"));  // the sort key of a kept row, another row
        sink.OnNext(E.Del(6, "p", 5L, "x"));   // sorts after every stored row
        sink.OnNext(E.Del(7, "p", 99L, "x"));  // sorts before every stored row

        Assert.Equal(before, output.Log.Count);
        Assert.Null(output.Error);
        Assert.Equal(3, stats.StateSize);
        Assert.Equal(emitRank ? ["p|20|y|2", "p|30|x|1"] : ["p|20|y", "p|30|x"], output.Table());
    }

    // The partition's rows sit inline in an array that grows as rows arrive: a retraction sorting after every kept row
    // must stop at the last kept row whether or not the array has room past it (sizes 4 and 8 fill it exactly).
    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void A_retraction_of_a_row_never_seen_sorting_after_every_kept_row_changes_nothing_at_any_partition_size(bool emitRank)
    {
        for (var size = 1; size <= 9; size++)
        {
            var recorder = new ElementRecorder();
            var sizeStats = new QueryStats();
            var sink = new TopNSink(recorder, [E.Column(0)], [E.Column(1)], [true], 2, emitRank, true, sizeStats, "top-N");
            for (var i = 1; i <= size; i++) sink.OnNext(E.Ins(i, "p", 10L * i, "r" + i));
            var before = recorder.Log.Count;

            sink.OnNext(E.Del(100, "p", 5L, "x"));

            Assert.Null(recorder.Error);
            Assert.Equal(before, recorder.Log.Count);
            Assert.Equal(size, sizeStats.StateSize);
        }
    }

    [Fact]
    public void A_retraction_from_the_top_refills_it_with_the_next_row_in_order()
    {
        var sink = Create(emitRank: false);
        sink.OnNext(E.Ins(1, "p", 10L, "c"));
        sink.OnNext(E.Ins(2, "p", 30L, "a"));
        sink.OnNext(E.Ins(3, "p", 20L, "b"));
        sink.OnNext(E.Del(4, "p", 30L, "a"));
        Assert.Equal(["+p|10|c@1", "+p|30|a@2", "-p|10|c@3", "+p|20|b@3", "-p|30|a@4", "+p|10|c@4"], output.Log);
        Assert.Equal(2, stats.StateSize);
    }

    [Fact]
    public void Ascending_and_descending_keys_sort_opposite_ways_with_nulls_last_ascending()
    {
        var ascending = new TopNSink(output, [E.Column(0)], [E.Column(1)], [false], 2, true, true, stats, "top-N");
        ascending.OnNext(E.Ins(1, "p", 20L, "a"));
        ascending.OnNext(E.Ins(2, "p", null, "n"));
        ascending.OnNext(E.Ins(3, "p", 10L, "b"));
        ascending.OnNext(E.Ins(4, "p", 30L, "c"));
        Assert.Equal(["p|10|b|1", "p|20|a|2"], output.Table());
    }

    [Fact]
    public void Over_an_append_only_input_only_the_top_n_rows_are_kept()
    {
        var sink = Create(keepAll: false);
        sink.OnNext(E.Ins(1, "p", 10L, "a"));
        sink.OnNext(E.Ins(2, "p", 20L, "b"));
        sink.OnNext(E.Ins(3, "p", 30L, "c")); // pushes 10 out
        Assert.Equal(2, stats.StateSize);
        sink.OnNext(E.Ins(4, "p", 5L, "d"));  // behind a full top 2: dropped
        sink.OnNext(E.Ins(5, "p", 20L, "e")); // ties the last one: the earlier row keeps its place
        Assert.Equal(2, stats.StateSize);
        Assert.Equal(["p|20|b|2", "p|30|c|1"], output.Table());
        Assert.DoesNotContain(output.Log, l => l.Contains("|d|", StringComparison.Ordinal) || l.Contains("|e|", StringComparison.Ordinal));
    }

    [Fact]
    public void A_failing_order_by_expression_faults_the_output_and_nothing_more_is_emitted()
    {
        var sink = Create(order: row => row[1] is 0L ? throw new DivideByZeroException("division by zero") : row[1]);
        sink.OnNext(E.Ins(1, "p", 10L, "a"));
        sink.OnNext(E.Ins(2, "p", 0L, "b"));
        sink.OnNext(E.Ins(3, "p", 20L, "c"));
        Assert.Equal(["+p|10|a|1@1"], output.Log.Take(1));
        Assert.Equal(2, output.Log.Count);
        Assert.Contains("(in top-N)", output.Error!.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_partition_emptied_by_retractions_releases_its_key()
    {
        var sink = Create(downstream: System.Reactive.Observer.Create<Element>(_ => { }));
        var key = InsertAndRetract(sink);
        Assert.Equal(0, stats.StateSize);
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        Assert.False(key.TryGetTarget(out _), "an emptied partition's key is still held");
    }

    [Fact]
    public void Over_an_append_only_input_a_row_pushed_out_of_the_top_n_is_released()
    {
        var sink = Create(keepAll: false, downstream: System.Reactive.Observer.Create<Element>(_ => { }));
        var pushedOut = InsertThenPushOut(sink);
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        Assert.False(pushedOut.TryGetTarget(out _), "a row pushed out of an append-only top N is still held");
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static WeakReference<string> InsertThenPushOut(TopNSink sink)
    {
        var tag = new string('t', 3);
        sink.OnNext(E.Ins(1, "p", 10L, tag));
        sink.OnNext(E.Ins(2, "p", 20L, "b"));
        sink.OnNext(E.Ins(3, "p", 30L, "c")); // pushes the first row out
        // The operator holds the last change's rows until the next one arrives; another partition's row lets them go.
        sink.OnNext(E.Ins(4, "other", 10L, "d"));
        return new WeakReference<string>(tag);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static WeakReference<string> InsertAndRetract(TopNSink sink)
    {
        var key = new string('k', 3);
        sink.OnNext(E.Ins(1, key, 10L, "a"));
        sink.OnNext(E.Del(2, new string('k', 3), 10L, "a"));
        // The operator holds the last change's rows until the next one arrives; another partition's row lets them go.
        sink.OnNext(E.Ins(3, "other", 10L, "b"));
        sink.OnNext(E.Del(4, "other", 10L, "b"));
        return new WeakReference<string>(key);
    }
}
