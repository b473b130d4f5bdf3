using System.Reactive.Subjects;
using Sluice.Reactive.Aggregation;
using Sluice.Reactive.Operators;
using Sluice.Reactive.Planning;
using Sluice.Reactive.Runtime;

namespace Sluice.Reactive.Tests.Engine.Operators;

/// <summary>
/// A mini-batching GROUP BY applies each row a dozen rows after it came (PendingRows, to load its group ahead): batches
/// longer than that, the flush applying what still waits, watermarks and row errors must not tell the difference.
/// </summary>
public sealed class GroupAggregatePendingRowsTests
{
    private static readonly AggregateSpec[] Specs =
    [
        new(new AggregateCall(AggregateKind.CountStar, null, false, SqlType.Bigint), null, true),
        new(new AggregateCall(AggregateKind.Sum, null, false, SqlType.Bigint), E.Column(1), true),
    ];

    // Looks ahead from the first group on, whatever the groups (the operator's own rule wants thousands of large ones).
    private static GroupAggregateSink LookingAhead(GroupAggregateSink sink)
    {
        sink.LargeGroups = true;
        sink.LookAheadFrom = 0;
        sink.BeginBatches();
        return sink;
    }

    [Fact]
    public void Long_batches_of_inserts_and_retractions_leave_the_table_each_row_at_a_time_would_after_every_flush()
    {
        var random = new Random(12);
        var batchedOutput = new ElementRecorder();
        var batched = LookingAhead(new GroupAggregateSink(batchedOutput, [E.Column(0)], Specs, new QueryStats(), "aggregate"));
        var eachOutput = new ElementRecorder();
        var each = new GroupAggregateSink(eachOutput, [E.Column(0)], Specs, new QueryStats(), "aggregate");
        var live = new List<(string K, long V)>();
        var time = 0;
        for (var batch = 0; batch < 60; batch++)
        {
            var length = random.Next(0, 3 * PendingRows.Capacity);
            for (var i = 0; i < length; i++)
            {
                time++;
                Element row;
                if (live.Count > 0 && random.Next(3) == 0)
                {
                    var (k, v) = live[random.Next(live.Count)];
                    live.Remove((k, v));
                    row = E.Del(time, k, v);
                }
                else
                {
                    var k = "k" + random.Next(40);
                    long v = random.Next(100);
                    live.Add((k, v));
                    row = E.Ins(time, k, v);
                }
                batched.OnNext(row);
                each.OnNext(row);
            }
            batched.Flush();
            Assert.Equal(eachOutput.Table(), batchedOutput.Table());
        }
        Assert.NotEmpty(batchedOutput.Table());
    }

    [Fact]
    public void A_watermark_in_a_long_batch_comes_after_every_row_of_the_batch()
    {
        var output = new ElementRecorder();
        var sink = LookingAhead(new GroupAggregateSink(output, [E.Column(0)], Specs, new QueryStats(), "aggregate"));
        for (var i = 1; i <= 30; i++)
        {
            sink.OnNext(E.Ins(i, "k" + (i % 3), 1L));
            if (i == 5) sink.OnNext(E.Wm(5));
        }
        Assert.Empty(output.Log);
        sink.Flush();
        Assert.Equal(["+k1|10|10@28", "+k2|10|10@29", "+k0|10|10@30", "wm@5"], output.Log);
    }

    [Fact]
    public void A_row_error_found_when_a_waiting_row_is_applied_names_the_event_the_row_came_from()
    {
        // Two COUNT DISTINCT of one column make packed groups with distinct tables, looked ahead for past 4,096 groups.
        var query = QueryCompiler.Compile(
            "SELECT k, SUM(100 / v) AS s, COUNT(DISTINCT v) AS d, COUNT(DISTINCT v) FILTER (WHERE v > 0) AS p FROM t GROUP BY k",
            TestShapes.Instance, new QueryCompileOptions());
        var input = new Subject<InputEvent>();
        var stats = new QueryStats();
        var rows = new List<OutputRow>();
        using var subscription = query.Build([input], stats).Subscribe(rows.Add);
        var batches = PipelineBatches.Of(subscription);
        for (var i = 0; i < 5000; i++)
        {
            input.OnNext(new InputEvent(i, QueryRun.At(0), ["g" + i, 1L, null, null, null, QueryRun.At(0), null]));
        }
        batches.Flush();
        rows.Clear();
        for (var i = 0; i < 40; i++)
        {
            // Event 20 divides by zero; the row is applied only after a dozen more have come.
            input.OnNext(new InputEvent(10_000 + i, QueryRun.At(1), ["k" + (i % 4), i == 20 ? 0L : 1L, null, null, null, QueryRun.At(1), null]));
        }
        Assert.Empty(rows);
        batches.Flush();
        Assert.Equal(1, stats.RowErrors);
        Assert.Equal(10_020, stats.RecentRowErrors[0].Offset);
        Assert.Equal(4, rows.Count);
    }

    [Fact]
    public void A_strict_error_while_applying_a_waiting_row_faults_the_query_and_nothing_of_the_batch_is_emitted()
    {
        var query = QueryCompiler.Compile("SELECT k, SUM(100 / v) AS s FROM t GROUP BY k", TestShapes.Instance, new QueryCompileOptions { StrictErrors = true });
        var input = new Subject<InputEvent>();
        var rows = new List<OutputRow>();
        Exception? error = null;
        using var subscription = query.Build([input], new QueryStats()).Subscribe(rows.Add, e => error = e);
        var batches = PipelineBatches.Of(subscription);
        for (var i = 0; i < 30; i++)
        {
            input.OnNext(new InputEvent(i, QueryRun.At(i), ["k" + (i % 4), i == 3 ? 0L : 1L, null, null, null, QueryRun.At(i), null]));
        }
        batches.Flush();
        Assert.NotNull(error);
        Assert.Empty(rows);
    }

    [Fact]
    public void A_new_group_keeps_its_own_copy_of_its_key_strings()
    {
        var key = GroupKey.FromParts(2, "channel-1", 7L, null, null);
        var owned = key.WithOwnStrings();
        Assert.Equal(key, owned);
        Assert.Equal(key.GetHashCode(), owned.GetHashCode());
        Assert.NotSame(key[0], owned[0]);
        Assert.Same(key[1], owned[1]);
    }
}
