using System.Text.Json;
using Sluice.Reactive.Aggregation;
using Sluice.Reactive.Planning;

namespace Sluice.Reactive.Tests.Engine.Aggregation;

/// <summary>
/// Each aggregate's accumulator on its own: adding, retracting (changelog input), merging (sessions, HOP slices)
/// and subtracting (the HOP running table), with NULL arguments ignored by all but COUNT(*).
/// </summary>
public sealed class AccumulatorTests
{
    private static Accumulator Create(AggregateKind kind, SqlType type = SqlType.Bigint, bool distinct = false, bool retractable = true) =>
        new AggregateSpec(new AggregateCall(kind, null, distinct, type), null, retractable).Create();

    private static Accumulator With(Accumulator accumulator, params object?[] values)
    {
        foreach (var v in values) accumulator.Add(v);
        return accumulator;
    }

    private static object? Json(string text) => JsonDocument.Parse(text).RootElement.Clone();

    [Fact]
    public void Count_star_counts_nulls_and_count_of_a_value_does_not()
    {
        var star = With(Create(AggregateKind.CountStar), 1L, null, null);
        var count = With(Create(AggregateKind.Count), 1L, null, null);
        Assert.Equal(3L, star.Result());
        Assert.Equal(1L, count.Result());
        star.Retract(null);
        count.Retract(null);
        Assert.Equal(2L, star.Result());
        Assert.Equal(1L, count.Result());
        count.Retract(1L);
        Assert.Equal(0L, count.Result());
        Assert.Equal(0L, Create(AggregateKind.Count).Result());
    }

    [Fact]
    public void Count_merges_and_subtracts_exactly()
    {
        var a = With(Create(AggregateKind.Count), 1L, 2L, 3L);
        var b = With(Create(AggregateKind.Count), 4L, null);
        a.Merge(b);
        Assert.Equal(4L, a.Result());
        Assert.True(a.Subtractable);
        a.Subtract(b);
        Assert.Equal(3L, a.Result());
    }

    [Fact]
    public void Count_distinct_counts_each_value_once_until_its_last_copy_is_retracted()
    {
        var d = With(Create(AggregateKind.Count, distinct: true), "x", "x", "y", null);
        Assert.Equal(2L, d.Result());
        d.Retract("x");
        Assert.Equal(2L, d.Result());
        d.Retract("x");
        Assert.Equal(1L, d.Result());
        d.Retract("x"); // more retractions than copies, and NULLs, change nothing
        d.Retract(null);
        d.Retract("never");
        Assert.Equal(1L, d.Result());
        d.Add("x");
        Assert.Equal(2L, d.Result());
        d.Retract("y");
        d.Retract("x");
        Assert.Equal(0L, d.Result());
    }

    [Fact]
    public void Count_distinct_merges_multiplicities_and_subtracts_them_back()
    {
        var a = With(Create(AggregateKind.Count, distinct: true), "x", "y");
        var b = With(Create(AggregateKind.Count, distinct: true), "x", "z");
        a.Merge(b);
        Assert.Equal(3L, a.Result());
        Assert.True(a.Subtractable);
        a.Subtract(b);
        Assert.Equal(2L, a.Result()); // x kept: a still holds a copy of its own
        a.Subtract(With(Create(AggregateKind.Count, distinct: true), "x"));
        Assert.Equal(1L, a.Result());
        a.Retract("y");
        Assert.Equal(0L, a.Result());
    }

    [Fact]
    public void Bigint_sum_of_only_nulls_or_of_nothing_left_is_null_and_of_zeros_is_zero()
    {
        var s = With(Create(AggregateKind.Sum), null, null);
        Assert.Null(s.Result());
        s.Add(5L);
        s.Add(-5L);
        Assert.Equal(0L, s.Result());
        s.Retract(5L);
        s.Retract(null);
        Assert.Equal(-5L, s.Result());
        s.Retract(-5L);
        Assert.Null(s.Result());
    }

    [Fact]
    public void Bigint_sum_overflow_is_an_error_both_ways()
    {
        Assert.Throws<OverflowException>(() => With(Create(AggregateKind.Sum), long.MaxValue, 1L));
        Assert.Throws<OverflowException>(() => With(Create(AggregateKind.Sum), long.MinValue).Retract(1L));
        var big = With(Create(AggregateKind.Sum), long.MaxValue);
        Assert.Throws<OverflowException>(() => big.Merge(With(Create(AggregateKind.Sum), 1L)));
        Assert.Throws<OverflowException>(() => With(Create(AggregateKind.Sum), long.MinValue).Subtract(With(Create(AggregateKind.Sum), 1L)));
    }

    [Fact]
    public void Bigint_sum_merges_and_subtracts_back_to_null()
    {
        var a = With(Create(AggregateKind.Sum), 1L, 2L);
        var b = With(Create(AggregateKind.Sum), 10L);
        a.Merge(b);
        Assert.Equal(13L, a.Result());
        Assert.True(a.Subtractable);
        a.Subtract(b);
        Assert.Equal(3L, a.Result());
        a.Subtract(With(Create(AggregateKind.Sum), 1L, 2L));
        Assert.Null(a.Result());
    }

    [Theory]
    [InlineData(false, 6.0)]
    [InlineData(true, 2.0)]
    public void Double_sum_and_average_ignore_nulls_and_follow_retractions(bool average, double expected)
    {
        var kind = average ? AggregateKind.Avg : AggregateKind.Sum;
        var a = With(Create(kind, SqlType.Double), 1.0, null, 5.0);
        a.Add(4.0);
        a.Retract(4.0);
        a.Retract(null);
        a.Merge(With(Create(kind, SqlType.Double), 0.0));
        Assert.Equal(expected, (double)a.Result()!, 9);
        Assert.False(a.Subtractable);
        a.Retract(1.0);
        a.Retract(5.0);
        a.Retract(0.0);
        Assert.Null(a.Result());
        Assert.Null(With(Create(kind, SqlType.Double), [null]).Result());
    }

    [Fact]
    public void Decimal_sum_and_exact_average_of_bigints_and_decimals()
    {
        var sum = With(Create(AggregateKind.Sum, SqlType.Decimal), 1.5m, null, 2L);
        Assert.Equal(3.5m, sum.Result());
        sum.Retract(2L);
        sum.Retract(null);
        Assert.Equal(1.5m, sum.Result());
        sum.Merge(With(Create(AggregateKind.Sum, SqlType.Decimal), 0.25m));
        Assert.Equal(1.75m, sum.Result());
        Assert.False(sum.Subtractable);

        var avg = With(Create(AggregateKind.Avg, SqlType.Decimal), 1L, 2L, null);
        Assert.Equal(1.5m, avg.Result());
        avg.Retract(2L);
        Assert.Equal(1m, avg.Result());
        avg.Merge(With(Create(AggregateKind.Avg, SqlType.Decimal), 4m));
        Assert.Equal(2.5m, avg.Result());
        avg.Retract(1L);
        avg.Retract(4m);
        Assert.Null(avg.Result());
    }

    [Fact]
    public void Runtime_typed_sum_promotes_like_plus_and_retracts()
    {
        var s = With(Create(AggregateKind.Sum, SqlType.Any), 1L, Json("2"), null, Json("null"));
        Assert.Equal(3L, s.Result());
        s.Add(0.5m);
        Assert.Equal(3.5m, s.Result());
        s.Retract(0.5m);
        Assert.Equal(3.0m, s.Result());
        s.Retract(Json("null"));
        s.Retract(1L);
        s.Retract(Json("2"));
        Assert.Null(s.Result());
        s.Retract(4L); // a retraction into an empty sum still subtracts
        s.Add(4L);
        Assert.Equal(0L, Convert.ToInt64(s.Result(), System.Globalization.CultureInfo.InvariantCulture));
        Assert.Null(With(Create(AggregateKind.Sum, SqlType.Any), null, Json("null")).Result());
    }

    [Fact]
    public void Runtime_typed_sum_of_one_value_is_that_value_normalised()
    {
        Assert.Equal(7L, With(Create(AggregateKind.Sum, SqlType.Any), Json("7")).Result());
        Assert.Equal(2.5, With(Create(AggregateKind.Sum, SqlType.Any), 2.5).Result());
        Assert.Equal(-3L, With(Create(AggregateKind.Sum, SqlType.Any), -3L).Result());
    }

    [Fact]
    public void Runtime_typed_sum_merges_including_empty_sides()
    {
        var a = With(Create(AggregateKind.Sum, SqlType.Any), 1L);
        a.Merge(Create(AggregateKind.Sum, SqlType.Any));
        Assert.Equal(1L, a.Result());
        a.Merge(With(Create(AggregateKind.Sum, SqlType.Any), 2L));
        Assert.Equal(3L, a.Result());
        var empty = Create(AggregateKind.Sum, SqlType.Any);
        empty.Merge(With(Create(AggregateKind.Sum, SqlType.Any), 5L));
        Assert.Equal(5L, empty.Result());
        Assert.False(empty.Subtractable);
    }

    [Fact]
    public void Runtime_typed_average_is_exact_over_integers_and_a_double_over_doubles()
    {
        var a = With(Create(AggregateKind.Avg, SqlType.Any), 1L, Json("2"), null);
        Assert.Equal(1.5m, a.Result());
        a.Retract(Json("2"));
        a.Retract(null);
        Assert.Equal(1m, a.Result());
        a.Merge(With(Create(AggregateKind.Avg, SqlType.Any), 4L));
        Assert.Equal(2.5m, a.Result());
        var d = With(Create(AggregateKind.Avg, SqlType.Any), 1.0, 2L);
        Assert.Equal(1.5, d.Result());
        a.Retract(1L);
        a.Retract(4L);
        Assert.Null(a.Result());
        Assert.Null(With(Create(AggregateKind.Avg, SqlType.Any), Json("null")).Result());
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Min_and_max_pick_opposite_ends_and_ignore_nulls(bool retractable)
    {
        var min = With(Create(AggregateKind.Min, retractable: retractable), null, 5L, 3L, 9L, null);
        var max = With(Create(AggregateKind.Max, retractable: retractable), null, 5L, 3L, 9L, null);
        Assert.Equal(3L, min.Result());
        Assert.Equal(9L, max.Result());
        Assert.Null(With(Create(AggregateKind.Min, retractable: retractable), [null]).Result());
        Assert.Null(Create(AggregateKind.Max, retractable: retractable).Result());
        Assert.Equal("apple", With(Create(AggregateKind.Min, SqlType.Text, retractable: retractable), "pear", "apple", "zoo").Result());
        Assert.Equal(QueryRun.At(9), With(Create(AggregateKind.Max, SqlType.Timestamp, retractable: retractable), QueryRun.At(1), QueryRun.At(9), QueryRun.At(3)).Result());
        Assert.Equal(0.5m, With(Create(AggregateKind.Min, SqlType.Decimal, retractable: retractable), 2m, 0.5m).Result());
        Assert.Equal(2.5, With(Create(AggregateKind.Max, SqlType.Double, retractable: retractable), 2.5, -1.0).Result());
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Min_and_max_merge_keeping_the_best_of_both(bool retractable)
    {
        var min = With(Create(AggregateKind.Min, retractable: retractable), 5L);
        min.Merge(With(Create(AggregateKind.Min, retractable: retractable), 2L));
        min.Merge(Create(AggregateKind.Min, retractable: retractable));
        Assert.Equal(2L, min.Result());
        var max = With(Create(AggregateKind.Max, retractable: retractable), 5L);
        max.Merge(With(Create(AggregateKind.Max, retractable: retractable), 2L));
        Assert.Equal(5L, max.Result());
        var empty = Create(AggregateKind.Max, retractable: retractable);
        empty.Merge(With(Create(AggregateKind.Max, retractable: retractable), 7L));
        Assert.Equal(7L, empty.Result());
        Assert.False(empty.Subtractable);
    }

    [Fact]
    public void Min_and_max_over_an_append_only_input_cannot_retract()
    {
        Assert.Throws<InvalidOperationException>(() => With(Create(AggregateKind.Min, retractable: false), 1L).Retract(1L));
    }

    [Theory]
    [InlineData(false, new long[] { 3, 5, 9 })]
    [InlineData(true, new long[] { 9, 5, 3 })]
    public void Min_and_max_over_a_changelog_reveal_the_next_best_value_as_the_best_leaves(bool max, long[] order)
    {
        var kind = max ? AggregateKind.Max : AggregateKind.Min;
        var a = With(Create(kind), 5L, 3L, 9L, 3L, 9L);
        Assert.Equal(order[0], a.Result());
        a.Retract(order[0]);
        Assert.Equal(order[0], a.Result()); // a second copy is left
        a.Retract(order[0]);
        Assert.Equal(order[1], a.Result());
        a.Retract(null);
        a.Retract(100L);
        Assert.Equal(order[1], a.Result());
        a.Retract(order[1]);
        Assert.Equal(order[2], a.Result());
        a.Retract(order[2]);
        Assert.Equal(order[2], a.Result());
        a.Retract(order[2]);
        Assert.Null(a.Result());
        a.Add(order[2]);
        Assert.Equal(order[2], a.Result());
    }

    [Fact]
    public void Min_over_a_changelog_merges_multiplicities()
    {
        var a = With(Create(AggregateKind.Min), 3L);
        a.Merge(With(Create(AggregateKind.Min), 3L, 4L));
        a.Retract(3L);
        Assert.Equal(3L, a.Result());
        a.Retract(3L);
        Assert.Equal(4L, a.Result());
    }

    [Fact]
    public void Values_of_different_types_compare_by_value()
    {
        Assert.True(ValueComparer.Compare(1L, 1.5) < 0);
        Assert.True(ValueComparer.Compare(2m, 1L) > 0);
        Assert.Equal(0, ValueComparer.Compare(2L, 2.0));
        Assert.True(ValueComparer.Compare("B", "a") < 0); // ordinal
        Assert.True(ValueComparer.Reversed.Compare(1L, 2L) > 0);
        Assert.Equal(1L, With(Create(AggregateKind.Min, SqlType.Any), 2.5, 1L, 3m).Result());
        Assert.Equal(3m, With(Create(AggregateKind.Max, SqlType.Any, retractable: false), 2.5, 1L, 3m).Result());
    }

    // COUNT(DISTINCT) of a bigint keeps its values unboxed in a table of its own: the same rules, over longs.
    private static Accumulator CountDistinct(bool bigint) => bigint ? new CountDistinctBigintAccumulator() : new CountDistinctAccumulator();

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Count_distinct_of_bigints_counts_each_value_until_its_last_copy_leaves(bool bigint)
    {
        var d = With(CountDistinct(bigint), 1L, 1L, 2L, null);
        Assert.Equal(2L, d.Result());
        d.Retract(1L);
        Assert.Equal(2L, d.Result());
        d.Retract(1L);
        Assert.Equal(1L, d.Result());
        d.Retract(1L); // more retractions than copies, NULLs and values never seen change nothing
        d.Retract(null);
        d.Retract(9L);
        Assert.Equal(1L, d.Result());
        d.Add(1L);
        Assert.Equal(2L, d.Result());
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Count_distinct_of_bigints_merges_multiplicities_and_subtracts_them_back(bool bigint)
    {
        var a = With(CountDistinct(bigint), 1L, 2L);
        var b = With(CountDistinct(bigint), 1L, 1L, 3L);
        a.Merge(b);
        Assert.Equal(3L, a.Result());
        a.Subtract(b);
        Assert.Equal(2L, a.Result()); // 1 kept: a holds a copy of its own
        a.Retract(1L);
        Assert.Equal(1L, a.Result());
        a.Merge(b);
        a.Retract(1L);
        a.Retract(1L);
        Assert.Equal(2L, a.Result()); // 2 and 3
        a.Subtract(With(CountDistinct(bigint), 3L));
        Assert.Equal(1L, a.Result());
        Assert.True(a.Subtractable);
    }

    [Theory]
    [InlineData(false, 7.5)]
    [InlineData(true, 2.5)]
    public void Double_sum_and_average_merge_adding_the_other_sides_values(bool average, double expected)
    {
        var kind = average ? AggregateKind.Avg : AggregateKind.Sum;
        var a = With(Create(kind, SqlType.Double), 1.0, 2.0);
        a.Merge(With(Create(kind, SqlType.Double), 4.5));
        Assert.Equal(expected, (double)a.Result()!, 9);
        var empty = Create(kind, SqlType.Double);
        empty.Merge(With(Create(kind, SqlType.Double), -3.0));
        Assert.Equal(-3.0, (double)empty.Result()!, 9);
    }

    [Fact]
    public void Count_distinct_of_any_values_restores_each_value_with_its_multiplicity_and_reads_only_its_own_bytes()
    {
        var d = With(Create(AggregateKind.Count, SqlType.Text, distinct: true), "x", "y", "x", "x", null, "z");
        using var buffer = new MemoryStream();
        using (var writer = new BinaryWriter(buffer, System.Text.Encoding.UTF8, leaveOpen: true))
        {
            d.WriteState(writer);
            writer.Write(-12345L); // whatever the checkpoint holds next
        }
        buffer.Position = 0;
        var reader = new BinaryReader(buffer);
        var restored = Create(AggregateKind.Count, SqlType.Text, distinct: true);
        restored.ReadState(reader);
        Assert.Equal(-12345L, reader.ReadInt64());
        Assert.Equal(3L, restored.Result());
        restored.Retract("y");
        restored.Retract("x");
        restored.Retract("x");
        Assert.Equal(2L, restored.Result()); // x was there three times
        restored.Retract("x");
        Assert.Equal(1L, restored.Result());
        var empty = Create(AggregateKind.Count, SqlType.Text, distinct: true);
        using var emptyBuffer = new MemoryStream();
        using (var writer = new BinaryWriter(emptyBuffer, System.Text.Encoding.UTF8, leaveOpen: true)) empty.WriteState(writer);
        emptyBuffer.Position = 0;
        var fresh = Create(AggregateKind.Count, SqlType.Text, distinct: true);
        fresh.ReadState(new BinaryReader(emptyBuffer));
        Assert.Equal(emptyBuffer.Length, emptyBuffer.Position);
        Assert.Equal(0L, fresh.Result());
    }

    [Fact]
    public void Only_exact_aggregates_can_be_subtracted()
    {
        var error = Assert.Throws<NotSupportedException>(() => Create(AggregateKind.Sum, SqlType.Double).Subtract(Create(AggregateKind.Sum, SqlType.Double)));
        Assert.Equal("SumDoubleAccumulator cannot be subtracted.", error.Message);
        Assert.False(Create(AggregateKind.Avg, SqlType.Decimal).Subtractable);
        Assert.False(Create(AggregateKind.Avg, SqlType.Any).Subtractable);
        Assert.True(Create(AggregateKind.CountStar).Subtractable);
    }
}
