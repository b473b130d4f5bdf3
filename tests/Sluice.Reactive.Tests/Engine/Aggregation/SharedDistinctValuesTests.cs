using Sluice.Reactive.Aggregation;

namespace Sluice.Reactive.Tests.Engine.Aggregation;

/// <summary>
/// The table several COUNT(DISTINCT bigint) of one group share (<see cref="SharedDistinctValues"/>), driven through
/// its accumulators directly: each slot counts only its own sightings, and a value leaves the table (its memory with it)
/// as soon as no slot sees it any more.
/// </summary>
public sealed class SharedDistinctValuesTests
{
    private static long[] Counts(params Accumulator[] accumulators) => [.. accumulators.Select(a => (long)a.Result()!)];

    [Fact]
    public void A_value_leaves_the_table_only_when_no_slot_sees_it_any_more()
    {
        var table = new SharedDistinctValues(2);
        var a = new SharedCountDistinctAccumulator(table, 0);
        var b = new SharedCountDistinctAccumulator(table, 1);
        a.Add(7L);
        a.Add(7L);
        b.Add(7L);
        a.Add(8L);
        a.Add(null);
        Assert.Equal([2L, 1L], Counts(a, b));
        Assert.Equal(2, table.Count);

        a.Retract(7L);
        Assert.Equal([2L, 1L], Counts(a, b)); // a second copy is left
        a.Retract(7L);
        Assert.Equal([1L, 1L], Counts(a, b));
        Assert.Equal(2, table.Count); // b still sees 7
        b.Retract(7L);
        Assert.Equal([1L, 0L], Counts(a, b));
        Assert.Equal(8L, Assert.Single(table.Values));
        a.Retract(8L);
        Assert.Equal([0L, 0L], Counts(a, b));
        Assert.Empty(table.Values);
    }

    [Fact]
    public void Retracting_what_a_slot_never_saw_changes_nothing_even_when_another_slot_saw_it()
    {
        var table = new SharedDistinctValues(2);
        var a = new SharedCountDistinctAccumulator(table, 0);
        var b = new SharedCountDistinctAccumulator(table, 1);
        b.Add(5L);
        a.Retract(5L);
        a.Retract(6L);
        a.Retract(null);
        Assert.Equal([0L, 1L], Counts(a, b));
        Assert.Equal(5L, Assert.Single(table.Values));
        a.Add(5L); // counted: the retraction above did not leave a debt behind
        Assert.Equal([1L, 1L], Counts(a, b));
        b.Retract(5L);
        a.Retract(5L);
        Assert.Empty(table.Values);
    }

    [Fact]
    public void Merging_and_subtracting_move_only_the_other_slots_own_values_with_their_multiplicity()
    {
        var slices = new SharedDistinctValues(2);
        var sliceA = new SharedCountDistinctAccumulator(slices, 0);
        var sliceB = new SharedCountDistinctAccumulator(slices, 1);
        sliceA.Add(1L);
        sliceA.Add(1L);
        sliceB.Add(2L);
        var running = new SharedDistinctValues(2);
        var runA = new SharedCountDistinctAccumulator(running, 0);
        var runB = new SharedCountDistinctAccumulator(running, 1);
        runA.Add(1L);

        runA.Merge(sliceA);
        runB.Merge(sliceB);
        Assert.Equal([1L, 1L], Counts(runA, runB));

        runA.Subtract(sliceA); // takes out the slice's two copies of 1; runA's own copy stays
        Assert.Equal([1L, 1L], Counts(runA, runB));
        runA.Retract(1L);
        Assert.Equal([0L, 1L], Counts(runA, runB));
        Assert.Equal(2L, Assert.Single(running.Values));
        runB.Subtract(sliceB);
        Assert.Equal([0L, 0L], Counts(runA, runB));
        Assert.Empty(running.Values);
        Assert.True(runA.Subtractable);
    }

    [Fact]
    public void Each_slot_writes_its_own_values_and_reading_them_back_rebuilds_the_table()
    {
        var table = new SharedDistinctValues(2);
        var a = new SharedCountDistinctAccumulator(table, 0);
        var b = new SharedCountDistinctAccumulator(table, 1);
        a.Add(1L);
        a.Add(1L);
        a.Add(3L);
        b.Add(3L);
        b.Add(4L);
        b.Retract(4L); // a value no slot sees any more is not written

        using var buffer = new MemoryStream();
        using (var writer = new BinaryWriter(buffer, System.Text.Encoding.UTF8, leaveOpen: true))
        {
            a.WriteState(writer);
            b.WriteState(writer);
        }
        Assert.Equal(2 * 4 + 3 * (8 + 4), buffer.Length); // two counts, then (value, multiplicity) for 1 and 3 of a, 3 of b

        buffer.Position = 0;
        var restored = new SharedDistinctValues(2);
        var ra = new SharedCountDistinctAccumulator(restored, 0);
        var rb = new SharedCountDistinctAccumulator(restored, 1);
        using (var reader = new BinaryReader(buffer))
        {
            ra.ReadState(reader);
            rb.ReadState(reader);
        }
        Assert.Equal([2L, 1L], Counts(ra, rb));
        ra.Retract(1L);
        Assert.Equal(2L, ra.Result()); // the multiplicity came back too
        ra.Retract(1L);
        rb.Retract(3L);
        Assert.Equal([1L, 0L], Counts(ra, rb));
    }

    [Theory]
    [InlineData(1, 40)]
    [InlineData(2, 40)]
    [InlineData(3, 40)]
    [InlineData(4, 7)]
    [InlineData(5, 7)]
    public void Random_adds_and_retractions_keep_every_slot_equal_to_a_dictionary_of_counts(int seed, int drawn)
    {
        // Few distinct values drawn from a wide range, so runs of linear probing collide, wrap around the table's end and
        // are closed again by deletions; the model is a plain dictionary per slot. 45 values move the table from its inline
        // entries to an array; 12 (seven drawn, five fixed) stay in the inline entries the whole time.
        var random = new Random(seed);
        var pool = Enumerable.Range(0, drawn).Select(_ => random.NextInt64(long.MinValue, long.MaxValue)).Concat([0L, 1L, 2L, 64L, 128L]).ToArray();
        var table = new SharedDistinctValues(3);
        var model = new[] { new Dictionary<long, int>(), new Dictionary<long, int>(), new Dictionary<long, int>() };
        for (var step = 0; step < 20_000; step++)
        {
            var value = pool[random.Next(pool.Length)];
            var slot = random.Next(3);
            var n = random.Next(3) == 0 ? -random.Next(1, 3) : random.Next(1, 3);
            table.Add(value, slot, n);
            var after = Math.Max(0, model[slot].GetValueOrDefault(value) + n);
            if (after == 0) model[slot].Remove(value);
            else model[slot][value] = after;

            for (var s = 0; s < 3; s++)
            {
                Assert.Equal(model[s].Count, table.Distinct(s));
                Assert.Equal(model[s].OrderBy(p => p.Key), table.SeenBy(s).Select(p => KeyValuePair.Create(p.Value, p.Count)).OrderBy(p => p.Key));
            }
            Assert.Equal(model.SelectMany(m => m.Keys).Distinct().Order(), table.Values.Order());
            Assert.Equal(model[slot].GetValueOrDefault(value), table.CountOf(value, slot));
        }
    }

    [Theory]
    [InlineData(0L)]
    [InlineData(4095L)]
    [InlineData(4096L)]
    [InlineData(-1L)]
    [InlineData(long.MaxValue)]
    public void Counts_are_boxed_as_their_own_value_inside_and_outside_the_cache(long count)
    {
        Assert.Equal(count, BoxedCounts.Of(count));
        Assert.Equal(count, BoxedCounts.Of(count, (object)(count + 1)));
        Assert.Equal(count, BoxedCounts.Of(count, "not a count"));
    }

    [Fact]
    public void A_count_above_the_cache_reuses_the_previous_box_only_when_it_holds_that_count()
    {
        object previous = 5_000L;
        Assert.Same(previous, BoxedCounts.Of(5_000, previous));
        Assert.NotSame(previous, BoxedCounts.Of(5_001, previous));
        Assert.Equal(5_001L, BoxedCounts.Of(5_001, previous));
        Assert.Equal(5_000L, BoxedCounts.Of(5_000, 5_000)); // an int is not the long the column holds
        Assert.IsType<long>(BoxedCounts.Of(5_000, 5_000));
    }
}
