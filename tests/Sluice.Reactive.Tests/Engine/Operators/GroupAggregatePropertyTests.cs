using System.Globalization;
using Sluice.Reactive.Aggregation;
using Sluice.Reactive.Operators;
using Sluice.Reactive.Planning;

namespace Sluice.Reactive.Tests.Engine.Operators;

/// <summary>
/// Random inserts and retractions (rows [k, v], NULL values, groups emptied and refilled) into GROUP BY k with every
/// aggregate over a changelog: after every step the changelog applied so far equals a batch computation over the
/// rows still live.
/// </summary>
public sealed class GroupAggregatePropertyTests
{
    private static AggregateSpec Spec(AggregateKind kind, SqlType type, bool distinct = false) =>
        new(new AggregateCall(kind, null, distinct, type), kind == AggregateKind.CountStar ? null : E.Column(1), true);

    private static readonly AggregateSpec[] Specs =
    [
        Spec(AggregateKind.CountStar, SqlType.Bigint),
        Spec(AggregateKind.Count, SqlType.Bigint),
        Spec(AggregateKind.Count, SqlType.Bigint, distinct: true),
        Spec(AggregateKind.Sum, SqlType.Bigint),
        Spec(AggregateKind.Sum, SqlType.Any),
        Spec(AggregateKind.Avg, SqlType.Decimal),
        Spec(AggregateKind.Avg, SqlType.Any),
        Spec(AggregateKind.Min, SqlType.Bigint),
        Spec(AggregateKind.Max, SqlType.Bigint),
    ];

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void Group_by_over_a_changelog_always_equals_the_batch_aggregate_of_the_live_rows(int seed)
    {
        var output = new ElementRecorder();
        var stats = new QueryStats();
        var sink = new GroupAggregateSink(output, [E.Column(0)], Specs, stats, "aggregate");
        var random = new Random(seed);
        var live = new List<(string? K, long? V)>();
        for (var step = 0; step < 800; step++)
        {
            if (live.Count > 0 && random.Next(5) < 2)
            {
                var gone = live[random.Next(live.Count)];
                live.Remove(gone);
                sink.OnNext(E.Del(step, gone.K, gone.V));
            }
            else
            {
                var row = (K: random.Next(10) == 0 ? null : "k" + random.Next(3), V: random.Next(6) == 0 ? (long?)null : random.Next(-5, 20));
                live.Add(row);
                sink.OnNext(E.Ins(step, row.K, row.V));
            }
            Assert.Null(output.Error);
            if (step % 20 == 0 || step == 799)
            {
                Assert.Equal(Expected(live), output.Table());
                Assert.Equal(live.Select(r => r.K).Distinct().Count(), stats.StateSize);
            }
        }
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void Mini_batched_group_by_equals_the_batch_aggregate_of_the_live_rows_after_every_flush_with_one_pair_per_group_at_most(int seed)
    {
        var output = new ElementRecorder();
        var stats = new QueryStats();
        var sink = new GroupAggregateSink(output, [E.Column(0)], Specs, stats, "aggregate");
        sink.BeginBatches();
        var random = new Random(seed);
        var live = new List<(string? K, long? V)>();
        var flushes = 0;
        for (var step = 0; step < 1500; step++)
        {
            if (live.Count > 0 && random.Next(5) < 2)
            {
                var gone = live[random.Next(live.Count)];
                live.Remove(gone);
                sink.OnNext(E.Del(step, gone.K, gone.V));
            }
            else
            {
                var row = (K: random.Next(10) == 0 ? null : "k" + random.Next(4), V: random.Next(6) == 0 ? (long?)null : random.Next(-5, 20));
                live.Add(row);
                sink.OnNext(E.Ins(step, row.K, row.V));
            }
            Assert.Null(output.Error);
            // Batches of 1 to 12 rows, so groups change several times, empty and come back inside one.
            if (random.Next(6) == 0 || step == 1499)
            {
                var before = output.Elements.Count;
                sink.Flush();
                flushes++;
                var emitted = output.Elements.Skip(before).ToList();
                Assert.All(emitted.GroupBy(e => e.Row![0]), group =>
                {
                    Assert.True(group.Count(e => e.Kind == ElementKind.Delete) <= 1 && group.Count(e => e.Kind == ElementKind.Insert) <= 1,
                        $"group {group.Key}: more than one pair in one flush");
                });
                Assert.Equal(Expected(live), output.Table());
                Assert.Equal(live.Select(r => r.K).Distinct().Count(), stats.StateSize);
            }
        }
        Assert.True(flushes > 100);
    }

    private static List<string> Expected(List<(string? K, long? V)> live)
    {
        var rows = new List<string>();
        foreach (var group in live.GroupBy(r => r.K))
        {
            var values = group.Where(r => r.V is not null).Select(r => r.V!.Value).ToList();
            object? sum = values.Count == 0 ? null : values.Sum();
            object? avg = values.Count == 0 ? null : (decimal)values.Sum() / values.Count;
            rows.Add(QueryRun.Render(
            [
                group.Key, (long)group.Count(), (long)values.Count, (long)values.Distinct().Count(), sum, sum, avg, avg,
                values.Count == 0 ? null : values.Min(), values.Count == 0 ? null : values.Max(),
            ]));
        }
        rows.Sort(StringComparer.Ordinal);
        return rows;
    }
}
