using Sluice.Reactive.Aggregation;
using Sluice.Reactive.Operators;

namespace Sluice.Reactive.Tests.Engine.Operators;

/// <summary>
/// A join side's storage past one array (<see cref="JoinSlots"/>): thousands of rows across segments, stored, retracted
/// and expired in random order, come back exactly as a list of the rows in arrival order says, scanned or indexed, and
/// through a checkpoint; a side whose live rows stay few reuses its segments instead of growing.
/// </summary>
public sealed class JoinSlotsTests
{
    private static readonly Func<object?[], object?>[] KeyColumn = [E.Column(0)];
    private static readonly string[] Keys = ["k0", "k1", "k2", "k3", "k4"];

    private static GroupKey Key(string k) => GroupKey.Of(KeyColumn, [k]);

    private static List<long> ValuesOf(JoinState state, string k)
    {
        var values = new List<long>();
        for (var seq = state.First(Key(k)); seq != JoinState.None; seq = state.NextOf(seq)) values.Add((long)state.At(seq).Row![1]!);
        return values;
    }

    private sealed record Stored(string Key, long Value, long ExpiresAfter)
    {
        public bool Live { get; set; } = true;
    }

    /// <summary>What the side must hold: every live row, in arrival order.</summary>
    private sealed class Model
    {
        public readonly List<Stored> Rows = [];

        public List<long> ValuesOf(string k) => [.. Rows.Where(r => r.Live && r.Key == k).Select(r => r.Value)];

        public bool Remove(string k, long v)
        {
            var row = Rows.FirstOrDefault(r => r.Live && r.Key == k && r.Value == v);
            if (row is null) return false;
            row.Live = false;
            return true;
        }

        public int Expire(long watermark)
        {
            var released = 0;
            foreach (var row in Rows.Where(r => r.Live && r.ExpiresAfter < watermark))
            {
                row.Live = false;
                released++;
            }
            return released;
        }
    }

    private static void AssertSame(Model model, JoinState state)
    {
        foreach (var k in Keys) Assert.Equal(model.ValuesOf(k), ValuesOf(state, k));
    }

    private static JoinState RoundTrip(JoinState state, out int live)
    {
        using var buffer = new MemoryStream();
        using (var writer = new BinaryWriter(buffer, System.Text.Encoding.UTF8, leaveOpen: true)) state.WriteState(writer);
        buffer.Position = 0;
        var restored = new JoinState([]);
        using var reader = new BinaryReader(buffer);
        live = restored.ReadState(reader);
        Assert.Equal(buffer.Length, buffer.Position);
        return restored;
    }

    /// <summary>
    /// Random stores (bounds mostly in arrival order, some out of order, some never expiring, so a few old rows hold
    /// their segments while later ones come and go), retractions of random live rows and watermark steps; the side is
    /// compared with the model every 250 operations and restored from a checkpoint along the way.
    /// </summary>
    [Theory]
    [InlineData(1, false)]
    [InlineData(2, true)]
    [InlineData(3, false)]
    [InlineData(4, true)]
    public void Random_stores_retractions_and_expiry_across_segments_keep_every_row_and_its_order(int seed, bool indexed)
    {
        var random = new Random(seed);
        var model = new Model();
        var state = new JoinState([]);
        if (indexed)
        {
            for (var i = 0; i < 5_000; i++) state.First(Key("none"));
        }
        long clock = 0;
        long watermark = 0;
        for (var op = 1; op <= 12_000; op++)
        {
            var dice = random.Next(100);
            if (dice < 70)
            {
                var k = Keys[random.Next(Keys.Length)];
                clock++;
                var expiresAfter = random.Next(50) switch
                {
                    0 => long.MaxValue, // never expires: pins its segment
                    1 => clock + random.Next(20_000),
                    _ => clock + 3_000,
                };
                state.Store([k, clock], clock, Key(k), expiresAfter);
                model.Rows.Add(new Stored(k, clock, expiresAfter));
            }
            else if (dice < 85)
            {
                var live = model.Rows.Where(r => r.Live).ToList();
                if (live.Count == 0) continue;
                var row = live[random.Next(live.Count)];
                Assert.True(model.Remove(row.Key, row.Value));
                Assert.True(state.Remove(Key(row.Key), [row.Key, row.Value]));
            }
            else
            {
                watermark = Math.Max(watermark, clock - random.Next(2_000));
                Assert.Equal(model.Expire(watermark), state.Expire(watermark));
            }
            if (op % 250 == 0) AssertSame(model, state);
            if (op % 4_000 == 0)
            {
                state = RoundTrip(state, out var restoredLive);
                Assert.Equal(model.Rows.Count(r => r.Live), restoredLive);
                AssertSame(model, state);
            }
        }
        AssertSame(model, state);
    }

    [Fact]
    public void One_old_row_that_never_expires_keeps_its_place_while_thousands_after_it_come_and_go()
    {
        var state = new JoinState([]);
        state.Store(["k0", -1L], 0, Key("k0"), long.MaxValue);
        for (long i = 0; i < 6_000; i++)
        {
            state.Store(["k0", i], i, Key("k0"), i + 700);
            if (i % 100 == 99) state.Expire(i);
        }
        // The last watermark, 5,999, released every row bound below it (stored before 5,299); the first row stays.
        List<long> expected = [-1, .. Enumerable.Range(5_299, 701).Select(i => (long)i)];
        Assert.Equal(expected, ValuesOf(state, "k0"));
        Assert.Equal(expected, ValuesOf(RoundTrip(state, out _), "k0"));
    }

    [Theory]
    [InlineData(0, false, false)]
    [InlineData(0, true, false)]
    [InlineData(2, false, false)]
    [InlineData(2, true, false)]
    [InlineData(3, true, false)]
    [InlineData(2, false, true)]
    [InlineData(2, true, true)]
    [InlineData(3, false, true)]
    [InlineData(3, true, true)]
    public void Keys_of_several_columns_or_none_find_their_rows_scanned_indexed_and_restored(int columns, bool indexed, bool inRow)
    {
        // A slot keeps a one-column key as its value, a key of plain row columns not at all (read back from the row),
        // any other key whole: each must find the same rows.
        Func<object?[], object?>[] keyColumns = [.. Enumerable.Range(0, columns).Select(E.Column)];
        GroupKey KeyOf(long a, long b) => GroupKey.Of(keyColumns, [a, b, a + b, 0L]);
        var state = new JoinState([], inRow ? [.. Enumerable.Range(0, columns)] : null);
        for (long i = 0; i < 1_200; i++) state.Store([i % 3, i % 2, i % 3 + i % 2, i], i, KeyOf(i % 3, i % 2), long.MaxValue);
        if (indexed)
        {
            for (var i = 0; i < 5_000; i++) state.First(KeyOf(7, 7));
        }
        Assert.True(state.Remove(KeyOf(1, 0), [1L, 0L, 1L, 4L]));
        List<long> Found(JoinState side, long a, long b)
        {
            var found = new List<long>();
            for (var seq = side.First(KeyOf(a, b)); seq != JoinState.None; seq = side.NextOf(seq)) found.Add((long)side.At(seq).Row![3]!);
            return found;
        }
        List<long> expected = columns == 0
            ? [.. Enumerable.Range(0, 1_200).Select(i => (long)i).Where(i => i != 4)]
            : [.. Enumerable.Range(0, 1_200).Select(i => (long)i).Where(i => i % 3 == 1 && i % 2 == 0 && i != 4)];
        Assert.Equal(expected, Found(state, 1, 0));
        Assert.Equal(expected, Found(RoundTrip(state, out _), 1, 0));
        if (columns > 0) Assert.Empty(Found(state, 2, 7));
    }

    [Fact]
    public void A_side_whose_live_rows_stay_few_reuses_its_storage_instead_of_growing()
    {
        var state = new JoinState([]);
        for (long i = 0; i < 50_000; i++)
        {
            state.Store(["k0", i], i, Key("k0"), i + 1_000);
            state.Expire(i);
        }
        // About 1,000 rows are live at any time: two or three segments hold them, four at most after doubling.
        Assert.InRange(state.Capacity, 1_024, 4 * JoinSlots.SegmentLength);
        Assert.Equal(Enumerable.Range(48_999, 1_001).Select(i => (long)i), ValuesOf(state, "k0"));
    }
}
