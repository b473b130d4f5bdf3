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
        Assert.Equal(2, table.Counts.Count);

        a.Retract(7L);
        Assert.Equal([2L, 1L], Counts(a, b)); // a second copy is left
        a.Retract(7L);
        Assert.Equal([1L, 1L], Counts(a, b));
        Assert.Equal(2, table.Counts.Count); // b still sees 7
        b.Retract(7L);
        Assert.Equal([1L, 0L], Counts(a, b));
        Assert.Equal(8L, Assert.Single(table.Counts.Keys));
        a.Retract(8L);
        Assert.Equal([0L, 0L], Counts(a, b));
        Assert.Empty(table.Counts);
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
        Assert.Equal(5L, Assert.Single(table.Counts.Keys));
        a.Add(5L); // counted: the retraction above did not leave a debt behind
        Assert.Equal([1L, 1L], Counts(a, b));
        b.Retract(5L);
        a.Retract(5L);
        Assert.Empty(table.Counts);
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
        Assert.Equal(2L, Assert.Single(running.Counts.Keys));
        runB.Subtract(sliceB);
        Assert.Equal([0L, 0L], Counts(runA, runB));
        Assert.Empty(running.Counts);
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
    [InlineData(0L)]
    [InlineData(4095L)]
    [InlineData(4096L)]
    [InlineData(-1L)]
    [InlineData(long.MaxValue)]
    public void Counts_are_boxed_as_their_own_value_inside_and_outside_the_cache(long count)
    {
        Assert.Equal(count, BoxedCounts.Of(count));
    }
}
