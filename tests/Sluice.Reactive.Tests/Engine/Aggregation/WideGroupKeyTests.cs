using Sluice.Reactive.Aggregation;

namespace Sluice.Reactive.Tests.Engine.Aggregation;

/// <summary>
/// Keys of four or more columns (kept partly outside the key's inline fields): rows that differ only in the fourth or
/// fifth column are different groups, DISTINCT rows and join partners; NULLs in those columns group together.
/// </summary>
public sealed class WideGroupKeyTests
{
    private static object?[] T(string k, long v, double d, decimal? m, bool b, double seconds = 1) => [k, v, d, m, b, QueryRun.At(seconds), null];

    [Fact]
    public void Group_by_five_columns_separates_rows_that_differ_only_in_the_fourth_or_fifth()
    {
        using var run = new QueryRun("SELECT k, v, d, m, b, COUNT(*) AS n FROM t GROUP BY k, v, d, m, b");
        run.Push(0, 1, T("a", 1, 1.5, 2m, true)).Push(0, 1, T("a", 1, 1.5, 2m, false)).Push(0, 1, T("a", 1, 1.5, 3m, true))
           .Push(0, 1, T("a", 1, 1.5, null, true)).Push(0, 1, T("a", 1, 1.5, null, true)).Push(0, 1, T("a", 1, 1.5, 2m, true));
        Assert.Equal(["a|1|1.5|2|False|1", "a|1|1.5|2|True|2", "a|1|1.5|3|True|1", "a|1|1.5|null|True|2"], run.Table());
    }

    [Fact]
    public void Distinct_over_five_columns_emits_each_combination_once()
    {
        using var run = new QueryRun("SELECT DISTINCT k, v, d, m, b FROM t");
        run.Push(0, 1, T("a", 1, 1.5, 2m, true)).Push(0, 2, T("a", 1, 1.5, 2m, false)).Push(0, 3, T("a", 1, 1.5, 2m, true)).Push(0, 4, T("a", 1, 1.5, 9m, true));
        Assert.Equal(["+a|1|1.5|2|True", "+a|1|1.5|2|False", "+a|1|1.5|9|True"], run.Rendered());
    }

    [Fact]
    public void A_tumbling_window_grouped_by_four_columns_and_its_start_keeps_them_apart()
    {
        using var run = new QueryRun("SELECT k, v, d, m, COUNT(*) AS n, window_start FROM TUMBLE(t, ts, INTERVAL '10' SECOND) GROUP BY k, v, d, m, window_start");
        run.Push(0, 1, T("a", 1, 1.5, 2m, true)).Push(0, 2, T("a", 1, 1.5, 3m, true)).Push(0, 3, T("a", 1, 1.5, 2m, false));
        run.CompleteAll();
        Assert.Equal(["a|1|1.5|2|2|00:00:00.000", "a|1|1.5|3|1|00:00:00.000"], run.Table());
    }

    [Fact]
    public void A_join_on_four_equalities_matches_only_rows_equal_in_all_four()
    {
        using var run = new QueryRun("SELECT A.b, B.b AS bb FROM t A JOIN t B ON A.k = B.k AND A.v = B.v AND A.d = B.d AND A.m = B.m");
        Assert.Equal(2, run.Inputs.Count);
        run.Push(0, 1, T("a", 1, 1.5, 2m, true));
        run.Push(1, 2, T("a", 1, 1.5, 3m, false));
        run.Push(1, 3, T("a", 1, 1.5, 2m, false));
        run.Push(1, 4, T("a", 1, 1.5, null, false));
        run.Push(0, 5, T("a", 1, 1.5, null, true));
        Assert.Equal(["+True|False"], run.Rendered());
    }

    [Fact]
    public void Wide_keys_are_equal_exactly_when_every_value_is()
    {
        Func<object?[], object?>[] five = [r => r[0], r => r[1], r => r[2], r => r[3], r => r[4]];
        var key = GroupKey.Of(five, ["a", 1L, 2L, 3L, 4L]);
        Assert.Equal(key, GroupKey.Of(five, ["a", 1L, 2L, 3L, 4L]));
        Assert.Equal(key.GetHashCode(), GroupKey.Of(five, ["a", 1L, 2L, 3L, 4L]).GetHashCode());
        Assert.Equal(key, GroupKey.OfRow(["a", 1L, 2L, 3L, 4L]));
        Assert.NotEqual(key, GroupKey.Of(five, ["a", 1L, 2L, 3L, 5L]));
        Assert.NotEqual(key, GroupKey.Of(five, ["a", 1L, 2L, 9L, 4L]));
        Assert.NotEqual(key, GroupKey.Of(five[..4], ["a", 1L, 2L, 3L]));
        Assert.True(key == GroupKey.OfRow(["a", 1L, 2L, 3L, 4L]));
        Assert.True(key != GroupKey.OfRow(["a", 1L, 2L, 3L, null]));
        Assert.False(key.Equals((object)"a"));
        Assert.Equal(5, key.Count);
        Assert.Equal([ "a", 1L, 2L, 3L, 4L ], Enumerable.Range(0, 5).Select(i => key[i]));
        Assert.False(key.HasNull);
        Assert.True(GroupKey.OfRow(["a", 1L, 2L, 3L, null]).HasNull);
        Assert.True(GroupKey.OfRow(["a", null]).HasNull);
        Assert.False(default(GroupKey).HasNull);
    }

    [Fact]
    public void Keys_of_one_to_three_values_compare_every_value()
    {
        Func<object?[], object?>[] three = [r => r[0], r => r[1], r => r[2]];
        Assert.Equal(GroupKey.Of(three, ["a", 1L, 2L]), GroupKey.OfRow(["a", 1L, 2L]));
        Assert.NotEqual(GroupKey.Of(three, ["a", 1L, 2L]), GroupKey.OfRow(["a", 1L, 3L]));
        Assert.NotEqual(GroupKey.Of(three[..2], ["a", 1L]), GroupKey.OfRow(["a", 2L]));
        Assert.Equal(GroupKey.Of(three[..1], ["a"]), GroupKey.OfRow(["a"]));
        Assert.NotEqual(GroupKey.OfRow(["a"]), GroupKey.OfRow(["a", null]));
        Assert.Equal(GroupKey.Of([], []), GroupKey.OfRow([]));
    }
}
