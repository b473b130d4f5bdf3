using Sluice.Reactive.Aggregation;
using Sluice.Reactive.Operators;

namespace Sluice.Reactive.Tests.Engine.Operators;

/// <summary>
/// One side of a join's stored rows: rows of a key come back oldest first, whether the side is scanned (small, or
/// probed rarely) or indexed by key (probed often), and stay so through retractions, expiry and growth of the ring.
/// </summary>
public sealed class JoinStateTests
{
    private static readonly Func<object?[], object?>[] KeyColumn = [E.Column(0)];

    private static GroupKey Key(string k) => GroupKey.Of(KeyColumn, [k]);

    private static List<long> ValuesOf(JoinState state, string k)
    {
        var values = new List<long>();
        for (var seq = state.First(Key(k)); seq != JoinState.None; seq = state.NextOf(seq)) values.Add((long)state.At(seq).Row![1]!);
        return values;
    }

    private static void Store(JoinState state, string k, long v, long expiresAfter = long.MaxValue) =>
        state.Store([k, v], v, Key(k), expiresAfter);

    /// <summary>Probes often enough that the side builds its key index (a scan would cost more than the budget).</summary>
    private static void ProbeUntilIndexed(JoinState state)
    {
        for (var i = 0; i < 5_000; i++) state.First(Key("none"));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Rows_of_a_key_come_back_oldest_first_and_retractions_take_the_oldest_equal_row(bool indexed)
    {
        var state = new JoinState([]);
        for (var i = 0; i < 30; i++) Store(state, "k" + (i % 3), i);
        if (indexed) ProbeUntilIndexed(state);
        Assert.Equal([0, 3, 6, 9, 12, 15, 18, 21, 24, 27], ValuesOf(state, "k0"));

        Assert.True(state.Remove(Key("k0"), ["k0", 0L])); // first of the chain
        Assert.True(state.Remove(Key("k0"), ["k0", 27L])); // last
        Assert.True(state.Remove(Key("k0"), ["k0", 12L])); // middle
        Assert.False(state.Remove(Key("k0"), ["k0", 12L]));
        Assert.False(state.Remove(Key("k0"), ["k0", 1L]));
        Assert.False(state.Remove(Key("zz"), ["zz", 1L]));
        Assert.Equal([3, 6, 9, 15, 18, 21, 24], ValuesOf(state, "k0"));
        Assert.Equal([1, 4, 7, 10, 13, 16, 19, 22, 25, 28], ValuesOf(state, "k1"));

        // Rows stored after retractions join the end of their chain.
        Store(state, "k0", 100);
        Store(state, "k0", 0);
        Assert.Equal([3, 6, 9, 15, 18, 21, 24, 100, 0], ValuesOf(state, "k0"));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Removing_every_row_of_a_key_leaves_nothing_to_find_and_the_key_can_come_back(bool indexed)
    {
        var state = new JoinState([]);
        for (var i = 0; i < 12; i++) Store(state, i < 2 ? "gone" : "other", i);
        if (indexed) ProbeUntilIndexed(state);
        Assert.True(state.Remove(Key("gone"), ["gone", 1L]));
        Assert.True(state.Remove(Key("gone"), ["gone", 0L]));
        Assert.Equal(JoinState.None, state.First(Key("gone")));
        Store(state, "gone", 50);
        Assert.Equal([50], ValuesOf(state, "gone"));
        Assert.Equal(10, ValuesOf(state, "other").Count);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Expiry_releases_exactly_the_rows_whose_bound_is_below_the_watermark(bool indexed)
    {
        var state = new JoinState([]);
        for (var i = 0; i < 20; i++) Store(state, "k", i, expiresAfter: i % 2 == 0 ? i : 100 - i);
        if (indexed) ProbeUntilIndexed(state);
        // Bounds: even rows their value (mostly out of order, so they wait in the priority queue), odd rows 100 - value.
        Assert.Equal(0, state.Expire(0));
        Assert.Equal(1, state.Expire(1)); // row 0
        Assert.Equal(2, state.Expire(5)); // rows 2 and 4
        Assert.Equal([6, 8, 10, 12, 14, 16, 18, 1, 3, 5, 7, 9, 11, 13, 15, 17, 19], ValuesOf(state, "k").OrderBy(v => v % 2).ThenBy(v => v).ToList());
        Assert.Equal(7 + 1, state.Expire(82)); // the even rows left, and row 19 (bound 81)
        Assert.Equal([1, 3, 5, 7, 9, 11, 13, 15, 17], ValuesOf(state, "k"));
    }

    [Fact]
    public void A_retracted_rows_timer_does_not_release_the_row_that_reuses_its_slot()
    {
        var state = new JoinState([]);
        Store(state, "k", 1, expiresAfter: 10);
        Assert.True(state.Remove(Key("k"), ["k", 1L]));
        for (var i = 0; i < 16; i++) Store(state, "k", 100 + i, expiresAfter: 1_000);
        Assert.Equal(0, state.Expire(11));
        Assert.Equal(16, ValuesOf(state, "k").Count);
    }

    [Fact]
    public void The_ring_grows_past_its_first_size_keeping_every_row_and_its_order()
    {
        var state = new JoinState([]);
        for (var i = 0; i < 100; i++) Store(state, "k", i, expiresAfter: i);
        Assert.Equal(Enumerable.Range(0, 100).Select(i => (long)i), ValuesOf(state, "k"));
        Assert.Equal(50, state.Expire(50));
        for (var i = 100; i < 200; i++) Store(state, "k", i, expiresAfter: i);
        Assert.Equal(Enumerable.Range(50, 150).Select(i => (long)i), ValuesOf(state, "k"));
    }

    [Fact]
    public void The_expiry_bound_is_the_earliest_of_several_and_null_when_any_bound_is_null()
    {
        var state = new JoinState([new JoinExpiry(E.Column(0), 5), new JoinExpiry(E.Column(1), 0)]);
        var t = QueryRun.At(0);
        Assert.Equal(t.Ticks + 3, state.ExpiresAfter([t, t.AddTicks(3)]));
        Assert.Equal(t.Ticks + 5, state.ExpiresAfter([t, t.AddTicks(9)]));
        Assert.Equal(long.MinValue, state.ExpiresAfter([t, null]));
        Assert.Equal(long.MaxValue, new JoinState([]).ExpiresAfter([t]));
    }
}
