using Sluice.Reactive.Aggregation;

namespace Sluice.Reactive.Tests.Engine.Aggregation;

/// <summary>
/// A COUNT(DISTINCT) table after a count outgrew 16 bits (<see cref="DistinctTable"/>'s wide entries): its checkpoint
/// bytes, what each slot sees, its growth past the capacity it widened at, and the memory each move takes.
/// </summary>
public sealed class WideDistinctTableTests
{
    private const int Past16Bits = ushort.MaxValue + 10;

    // Values 1..values, value v seen v times by slot v % 2; then value 7 pushed past 16 bits in slot 0.
    private static SharedDistinctValues WideTable(int values)
    {
        var table = new SharedDistinctValues(2);
        for (var v = 1; v <= values; v++) table.Add(v * 1_000_003L, v % 2, v);
        table.Add(7L, 0, Past16Bits);
        Assert.True(table.IsWide);
        return table;
    }

    private static Dictionary<long, int> Expected(int values, int slot)
    {
        var expected = Enumerable.Range(1, values).Where(v => v % 2 == slot).ToDictionary(v => v * 1_000_003L, v => v);
        if (slot == 0) expected[7L] = Past16Bits;
        return expected;
    }

    // The bytes a slot's accumulator writes into a checkpoint: the count, then each value with how often.
    private static (int Count, Dictionary<long, int> Seen) Checkpoint(SharedDistinctValues table, int slot)
    {
        using var buffer = new MemoryStream();
        using (var writer = new BinaryWriter(buffer, System.Text.Encoding.UTF8, leaveOpen: true)) new SharedCountDistinctAccumulator(table, slot).WriteState(writer);
        buffer.Position = 0;
        using var reader = new BinaryReader(buffer);
        var count = reader.ReadInt32();
        var seen = new Dictionary<long, int>();
        while (buffer.Position < buffer.Length) seen.Add(reader.ReadInt64(), reader.ReadInt32());
        return (count, seen);
    }

    [Theory]
    [InlineData(5)]  // widened from the inline entries
    [InlineData(60)] // widened from an array of compact entries
    public void A_wide_table_writes_each_slots_values_and_counts_and_reads_back_into_the_same_table(int values)
    {
        var table = WideTable(values);
        for (var slot = 0; slot < 2; slot++)
        {
            var expected = Expected(values, slot);
            var (count, seen) = Checkpoint(table, slot);
            Assert.Equal(expected.Count, count);
            Assert.Equal(expected.Count, table.CountSeenBy(slot));
            Assert.Equal(expected.OrderBy(p => p.Key), seen.OrderBy(p => p.Key));
            Assert.Equal(expected.OrderBy(p => p.Key).Select(p => (p.Key, p.Value)), table.SeenBy(slot).OrderBy(p => p.Value));
        }

        var restored = new SharedDistinctValues(2);
        var merged = new SharedDistinctValues(2);
        for (var slot = 0; slot < 2; slot++)
        {
            using var buffer = new MemoryStream();
            using (var writer = new BinaryWriter(buffer, System.Text.Encoding.UTF8, leaveOpen: true)) new SharedCountDistinctAccumulator(table, slot).WriteState(writer);
            buffer.Position = 0;
            using var reader = new BinaryReader(buffer);
            new SharedCountDistinctAccumulator(restored, slot).ReadState(reader);
            // A merge (a window's panes) reads what the other table's slot sees, as the checkpoint does.
            new SharedCountDistinctAccumulator(merged, slot).Merge(new SharedCountDistinctAccumulator(table, slot));
        }
        foreach (var copy in new[] { restored, merged })
        {
            Assert.True(copy.IsWide);
            for (var slot = 0; slot < 2; slot++)
            {
                Assert.Equal(Expected(values, slot).Count, copy.Distinct(slot));
                foreach (var (value, n) in Expected(values, slot)) Assert.Equal(n, copy.CountOf(value, slot));
            }
        }
    }

    [Fact]
    public void A_wide_table_grows_past_the_capacity_it_widened_at_and_keeps_every_value_and_count()
    {
        // Widened from the inline entries: 32 wide entries, room for 24 values; 100 values take two doublings.
        var table = WideTable(3);
        for (var v = 1; v <= 100; v++) table.Add(-v, 1, v);
        Assert.True(table.IsWide);
        Assert.Equal(104, table.Count);
        Assert.Equal(2, table.Distinct(0));
        Assert.Equal(102, table.Distinct(1));
        Assert.Equal(Past16Bits, table.CountOf(7L, 0));
        for (var v = 1; v <= 100; v++) Assert.Equal(v, table.CountOf(-v, 1));
        Assert.Equal(102, Checkpoint(table, 1).Count);

        for (var v = 1; v <= 100; v++) table.Add(-v, 1, -v);
        Assert.Equal(4, table.Count);
        Assert.Equal(Expected(3, 1).OrderBy(p => p.Key), Checkpoint(table, 1).Seen.OrderBy(p => p.Key));
    }

    // Bytes this thread allocates while running 'change' on a table made by 'make', measured on a second such table so
    // that nothing the first run of this code allocates once (none is expected) is counted.
    private static long AllocatedBy(Func<SharedDistinctValues> make, Action<SharedDistinctValues> change)
    {
        change(make());
        var table = make();
        var before = GC.GetAllocatedBytesForCurrentThread();
        change(table);
        return GC.GetAllocatedBytesForCurrentThread() - before;
    }

    [Fact]
    public void Widening_the_inline_entries_allocates_one_array_of_as_many_wide_entries()
    {
        static SharedDistinctValues Make()
        {
            var table = new SharedDistinctValues(1);
            for (var v = 1; v <= 5; v++) table.Add(v, 0, 1);
            return table;
        }
        var allocated = AllocatedBy(Make, t => t.Add(7L, 0, Past16Bits));
        // 32 entries of 24 bytes and the array's header; twice the entries would be 1,536 bytes.
        Assert.InRange(allocated, DistinctTable.InlineCapacity * 24, DistinctTable.InlineCapacity * 24 + 64);
    }

    [Fact]
    public void A_wide_table_that_grows_allocates_only_its_doubled_wide_array()
    {
        static SharedDistinctValues Make()
        {
            var table = new SharedDistinctValues(1);
            table.Add(7L, 0, Past16Bits);
            for (var v = 1; v < 24; v++) table.Add(100 + v, 0, 1);
            Assert.Equal(24, table.Count); // all the room 32 entries have
            return table;
        }
        var allocated = AllocatedBy(Make, t => t.Add(1_000L, 0, 1)); // the 25th value: 32 wide entries become 64
        Assert.InRange(allocated, 64 * 24, 64 * 24 + 64);
    }
}
