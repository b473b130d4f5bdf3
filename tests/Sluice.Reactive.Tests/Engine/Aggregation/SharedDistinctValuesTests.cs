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
    [InlineData(6, 19)]
    [InlineData(7, 19)]
    public void Random_adds_and_retractions_keep_every_slot_equal_to_a_dictionary_of_counts(int seed, int drawn)
    {
        // Few distinct values drawn from a wide range, so runs of linear probing collide, wrap around the table's end and
        // are closed again by deletions; the model is a plain dictionary per slot. 45 values move the table from its inline
        // entries to an array; 12 (seven drawn, five fixed) and 24 (the most the inline entries take) stay inline.
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

    [Fact]
    public void The_inline_entries_hold_up_to_three_quarters_of_their_capacity_and_the_next_value_moves_the_table()
    {
        var table = new SharedDistinctValues(2);
        var most = DistinctTable.InlineCapacity - DistinctTable.InlineCapacity / 4;
        for (var value = 0L; value < most; value++) table.Add(value * 1_000_003, (int)(value % 2), 1); // even values in slot 0, odd in 1
        Assert.False(table.IsSpilled);
        table.Add(5 * 1_000_003, 0, 1); // a value already there needs no room
        table.Add(0L, 0, 3);
        Assert.False(table.IsSpilled);

        table.Add(-1L, 1, 1);
        Assert.True(table.IsSpilled);
        Assert.Equal(most + 1, table.Count);
        Assert.Equal(4, table.CountOf(0L, 0));
        Assert.Equal(1, table.CountOf(5 * 1_000_003, 0));
        Assert.Equal(1, table.CountOf(5 * 1_000_003, 1));
        Assert.Equal(1, table.CountOf(-1L, 1));
        Assert.Equal(most / 2 + 1, table.Distinct(0));
        Assert.Equal(most / 2 + 1, table.Distinct(1));
    }

    [Theory]
    [InlineData(70_000, 0)]
    [InlineData(1, 0)]
    [InlineData(70_000, 40)]
    [InlineData(1, 40)]
    public void A_count_past_what_a_compact_entry_holds_moves_the_table_to_wide_entries_and_is_kept_exactly(int step, int others)
    {
        // A compact entry (inline, or in the array past them) counts to 65,535 per slot; one more sighting, in one call or
        // many, moves the table to wide entries, with every other value and count as it was.
        var table = new SharedDistinctValues(3);
        for (var other = 1; other <= others; other++) table.Add(-other * 7_919L, other % 3, other);
        Assert.Equal(others > 24, table.IsSpilled); // past the inline entries, in compact entries
        Assert.False(table.IsWide);
        table.Add(9L, 2, 3);
        table.Add(11L, 1, 1);
        var target = ushort.MaxValue + 5L;
        var added = 0L;
        if (step == 1)
        {
            table.Add(7L, 0, ushort.MaxValue);
            added = ushort.MaxValue;
            Assert.False(table.IsWide); // exactly the most a compact entry holds
        }
        while (added < target)
        {
            var n = (int)Math.Min(step, target - added);
            table.Add(7L, 0, n);
            added += n;
        }
        Assert.True(table.IsWide);
        Assert.Equal((int)target, table.CountOf(7L, 0));
        Assert.Equal(3, table.CountOf(9L, 2));
        Assert.Equal(1, table.CountOf(11L, 1));
        for (var other = 1; other <= others; other++) Assert.Equal(other, table.CountOf(-other * 7_919L, other % 3));
        Assert.Equal(
            [1L + Enumerable.Range(1, others).Count(o => o % 3 == 0), 1L + Enumerable.Range(1, others).Count(o => o % 3 == 1), 1L + Enumerable.Range(1, others).Count(o => o % 3 == 2)],
            [table.Distinct(0), table.Distinct(1), table.Distinct(2)]);
        for (var other = 1; other <= others; other++) table.Add(-other * 7_919L, other % 3, -other);

        table.Add(7L, 0, -(int)target + 1);
        Assert.Equal(1, table.CountOf(7L, 0));
        table.Add(7L, 0, -1);
        Assert.Equal(0, table.Distinct(0));
        Assert.Equal([9L, 11L], table.Values.Order());
    }

    [Theory]
    [InlineData(11)]
    [InlineData(12)]
    public void A_table_growing_to_hundreds_of_values_and_shrinking_back_agrees_with_a_dictionary_and_round_trips_a_checkpoint(int seed)
    {
        // The shape of a cold group that turns hot and cold again: values pile up past the inline entries (into arrays
        // doubling twice), then most are retracted; each slot is checked against a plain dictionary after every step, and
        // the table is written and read back (the checkpoint's bytes) at the small, large and shrunk stages.
        var random = new Random(seed);
        var pool = Enumerable.Range(0, 300).Select(_ => random.NextInt64(-1_000_000, 1_000_000)).Distinct().ToArray();
        var table = new SharedDistinctValues(4);
        var model = Enumerable.Range(0, 4).Select(_ => new Dictionary<long, int>()).ToArray();
        var wasSpilled = false;
        for (var step = 0; step < 6_000; step++)
        {
            var growing = step < 3_000;
            // Growing: new values from an ever wider part of the pool, a retraction now and then. Shrinking: retractions of
            // what a slot holds, but for the first ten values of the pool, which keep being added.
            var slot = random.Next(4);
            long value;
            int n;
            if (growing || random.Next(10) == 0)
            {
                value = pool[random.Next(growing ? Math.Max(1, step * pool.Length / 3_000) : 10)];
                n = random.Next(8) == 0 ? -1 : random.Next(1, 3);
            }
            else if (model[slot].Count > 0)
            {
                value = model[slot].Keys.ElementAt(random.Next(model[slot].Count));
                n = -model[slot][value];
            }
            else continue;
            table.Add(value, slot, n);
            var after = Math.Max(0, model[slot].GetValueOrDefault(value) + n);
            if (after == 0) model[slot].Remove(value);
            else model[slot][value] = after;
            wasSpilled |= table.IsSpilled;

            for (var s = 0; s < 4; s++) Assert.Equal(model[s].Count, table.Distinct(s));
            Assert.Equal(model[slot].GetValueOrDefault(value), table.CountOf(value, slot));
            if (step is 100 or 2_999 or 5_999)
            {
                var restored = RoundTrip(table);
                for (var s = 0; s < 4; s++)
                {
                    var expected = model[s].OrderBy(p => p.Key).Select(p => (p.Key, p.Value)).ToArray();
                    Assert.Equal(expected, table.SeenBy(s).OrderBy(p => p.Value).ToArray());
                    Assert.Equal(expected, restored.SeenBy(s).OrderBy(p => p.Value).ToArray());
                    Assert.Equal(model[s].Count, restored.Distinct(s));
                }
            }
        }
        Assert.True(wasSpilled);
        Assert.False(table.IsWide); // no count came near 65,535
        Assert.True(model.SelectMany(m => m.Keys).Distinct().Count() <= 10);
    }

    // What the slots' accumulators write into a checkpoint, read back into a fresh table.
    private static SharedDistinctValues RoundTrip(SharedDistinctValues table)
    {
        using var buffer = new MemoryStream();
        using (var writer = new BinaryWriter(buffer, System.Text.Encoding.UTF8, leaveOpen: true))
        {
            for (var s = 0; s < table.Slots; s++) new SharedCountDistinctAccumulator(table, s).WriteState(writer);
        }
        buffer.Position = 0;
        var restored = new SharedDistinctValues(table.Slots);
        using var reader = new BinaryReader(buffer);
        for (var s = 0; s < table.Slots; s++) new SharedCountDistinctAccumulator(restored, s).ReadState(reader);
        return restored;
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
