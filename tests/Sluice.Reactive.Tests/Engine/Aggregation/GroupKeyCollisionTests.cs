using Sluice.Reactive.Aggregation;

namespace Sluice.Reactive.Tests.Engine.Aggregation;

/// <summary>
/// Keys with the same hash code are still told apart by their values, in GROUP BY, DISTINCT and join keys of every
/// width (up to three values inline, more in an array). A key's value comparison runs only when the hash codes are
/// equal, which keys differing in one value otherwise never are: the bigints 1 and 2^32 have the same hash code
/// (<see cref="long.GetHashCode"/> folds the high half onto the low one), so keys that differ only there collide.
/// </summary>
public sealed class GroupKeyCollisionTests
{
    private const long First = 1;
    private const long Second = 1L << 32;

    // The columns of t a key holds besides v (the one the colliding keys differ in), with their value in every row.
    private static readonly (string Column, object Value)[] Fixed = [("k", "x"), ("b", true), ("d", 1.5), ("m", 2m)];

    private static object?[] T(long v) => ["x", v, 1.5, 2m, true, QueryRun.At(1), null];

    private static string Columns(int width) => string.Join(", ", Fixed.Take(width - 1).Select(f => f.Column).Append("v"));

    /// <summary>The keys of the two rows do collide: otherwise the test would prove nothing.</summary>
    private static void AssertKeysCollide(int width)
    {
        object?[] KeyOf(long v) => [.. Fixed.Take(width - 1).Select(f => f.Value), v];
        Assert.Equal(GroupKey.OfRow(KeyOf(First)).GetHashCode(), GroupKey.OfRow(KeyOf(Second)).GetHashCode());
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    [InlineData(5)]
    public void Group_by_keys_with_the_same_hash_code_are_different_groups(int width)
    {
        AssertKeysCollide(width);
        using var run = new QueryRun($"SELECT v, COUNT(*) AS n FROM t GROUP BY {Columns(width)}");
        run.Push(0, 1, T(First)).Push(0, 1, T(Second)).Push(0, 1, T(First));
        Assert.Equal(["1|2", "4294967296|1"], run.Table());
    }

    [Theory]
    [InlineData(1)]
    [InlineData(4)]
    [InlineData(5)]
    public void Distinct_rows_with_the_same_hash_code_are_both_kept(int width)
    {
        AssertKeysCollide(width);
        using var run = new QueryRun($"SELECT DISTINCT {Columns(width)} FROM t");
        run.Push(0, 1, T(First)).Push(0, 1, T(Second)).Push(0, 1, T(Second));
        Assert.Equal(2, run.Table().Count);
    }

    [Fact]
    public void Join_keys_with_the_same_hash_code_do_not_match()
    {
        AssertKeysCollide(1);
        using var run = new QueryRun("SELECT t.v, u.w FROM t JOIN u ON t.v = u.w");
        run.Push(0, 1, T(First));
        run.Push(1, 1, ["x", Second, QueryRun.At(1)]);
        Assert.Empty(run.Table());
        run.Push(1, 1, ["x", First, QueryRun.At(1)]);
        Assert.Equal(["1|1"], run.Table());
    }
}
