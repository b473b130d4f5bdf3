using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;
using Sluice.Reactive.Runtime.Checkpoints;

namespace Sluice.Reactive.Aggregation;

/// <summary>How often each of up to <see cref="Size"/> aggregates saw one value, inline (no array per value).</summary>
[InlineArray(Size)]
internal struct SlotCounts
{
    public const int Size = 4;

    private int first;

    /// <summary>No slot sees the value (counts are never negative, so their OR is zero only when all are).</summary>
    public readonly bool IsEmpty => (this[0] | this[1] | this[2] | this[3]) == 0;
}

/// <summary>How many values each of up to <see cref="SlotCounts.Size"/> aggregates sees, inline in the table.</summary>
[InlineArray(SlotCounts.Size)]
internal struct SlotDistincts
{
    private long first;
}

/// <summary>
/// The values several COUNT(DISTINCT x) of one group count (the same x under different FILTERs, at most
/// <see cref="SlotCounts.Size"/>), each value with how often each of them saw it, and per aggregate how many values it
/// sees at least once. A class around a <see cref="DistinctTable"/>, for the accumulators of an unpacked group; a packed
/// group (<see cref="PackedDistinctGroup"/>) holds its tables inline instead.
/// </summary>
internal sealed class SharedDistinctValues(int slots)
{
    private DistinctTable table;

    /// <summary>How many aggregates share the table.</summary>
    public int Slots { get; } = slots;

    /// <summary>How many values the table holds (seen by at least one slot).</summary>
    public int Count => table.Count;

    /// <summary>The values the table holds, in no particular order.</summary>
    public IEnumerable<long> Values => table.ValuesCopy();

    /// <summary>How many values <paramref name="slot"/> sees at least once.</summary>
    public long Distinct(int slot) => table.Distinct(slot);

    /// <summary>How often <paramref name="slot"/> saw <paramref name="value"/>.</summary>
    public int CountOf(long value, int slot) => table.CountOf(value, slot);

    /// <summary>Adds <paramref name="n"/> sightings (negative: removes) of <paramref name="value"/> in <paramref name="slot"/>.</summary>
    public void Add(long value, int slot, int n) => table.Add(value, 1 << slot, n);

    /// <summary>Each value <paramref name="slot"/> sees, with how often it saw it.</summary>
    public IEnumerable<(long Value, int Count)> SeenBy(int slot) => table.SeenByCopy(slot);

    /// <summary>How many values <paramref name="slot"/> sees (for a checkpoint's count).</summary>
    public int CountSeenBy(int slot) => table.CountSeenBy(slot);

    /// <summary>Writes the values <paramref name="slot"/> sees as its accumulator's checkpoint does: the count, then each value and how often.</summary>
    public void WriteSeenBy(BinaryWriter writer, int slot) => table.WriteSeenBy(writer, slot);
}

/// <summary>
/// An open-addressing table of values, each with how often each of up to <see cref="SlotCounts.Size"/> aggregates saw it,
/// and per aggregate how many values it sees at least once (linear probing, power-of-two capacity, at most three quarters
/// full). A value and its counts are one 24-byte entry. The first <see cref="InlineCapacity"/> entries live inside the
/// table itself, so a packed group (<see cref="PackedDistinctGroup"/>) that holds few values has them in its own object:
/// reaching them from the groups table costs no miss beyond the group's, and no array is allocated or regrown for them
/// (Nexmark q16's ten thousand cold channels hold a dozen values each). More values move to an array of entries.
/// The entries hold no references, so the garbage collector never scans them.
/// </summary>
internal struct DistinctTable
{
    /// <summary>Entries kept inline before the table moves to an array (a power of two).</summary>
    public const int InlineCapacity = 16;

    private Entry[]? spilled;
    private int count;
    private SlotDistincts distinct;
    private InlineEntries inline;

    /// <summary>How many values the table holds (seen by at least one slot).</summary>
    public readonly int Count => count;

    /// <summary>How many values <paramref name="slot"/> sees at least once.</summary>
    public readonly long Distinct(int slot) => distinct[slot];

    [UnscopedRef]
    private Span<Entry> Entries => spilled is null ? inline : spilled;

    [UnscopedRef]
    private readonly ReadOnlySpan<Entry> View => spilled is null ? inline : spilled;

    /// <summary>How often <paramref name="slot"/> saw <paramref name="value"/>.</summary>
    public readonly int CountOf(long value, int slot)
    {
        var entries = View;
        var mask = entries.Length - 1;
        for (var index = Home(value, mask); !entries[index].Counts.IsEmpty; index = (index + 1) & mask)
        {
            if (entries[index].Value == value) return entries[index].Counts[slot];
        }
        return 0;
    }

    /// <summary>
    /// Adds <paramref name="n"/> sightings (negative: removes) of <paramref name="value"/> in every slot of
    /// <paramref name="slots"/> (bit i: slot i), with one probe: the same table as one <c>Add</c> per slot in turn (a
    /// slot takes out only what it saw; a value leaves when no slot sees it), since a new entry is the only thing that
    /// grows the table.
    /// </summary>
    public void Add(long value, int slots, int n)
    {
        var entries = Entries;
        var mask = entries.Length - 1;
        var index = Home(value, mask);
        while (!entries[index].Counts.IsEmpty && entries[index].Value != value) index = (index + 1) & mask;
        if (entries[index].Counts.IsEmpty)
        {
            if (n <= 0) return; // nothing to take out of a value nobody sees
            if (count >= entries.Length - (entries.Length >> 2))
            {
                // At most three quarters full, so a probe ends soon; growing only here makes the table's layout depend on
                // the values alone, not on how the sightings were grouped into calls.
                Grow();
                entries = Entries;
                mask = entries.Length - 1;
                index = Home(value, mask);
                while (!entries[index].Counts.IsEmpty) index = (index + 1) & mask;
            }
            entries[index].Value = value;
            count++;
        }
        ref var entry = ref entries[index];
        for (var rest = slots; rest != 0; rest &= rest - 1)
        {
            var slot = System.Numerics.BitOperations.TrailingZeroCount(rest);
            var before = entry.Counts[slot];
            var after = before + n;
            if (before <= 0 && after > 0) distinct[slot]++;
            else if (before > 0 && after <= 0) distinct[slot]--;
            entry.Counts[slot] = after < 0 ? 0 : after;
        }
        if (entry.Counts.IsEmpty) RemoveAt(entries, index);
    }

    /// <summary>How many values <paramref name="slot"/> sees (for a checkpoint's count).</summary>
    public readonly int CountSeenBy(int slot)
    {
        var seen = 0;
        foreach (ref readonly var entry in View)
        {
            if (entry.Counts[slot] > 0) seen++;
        }
        return seen;
    }

    /// <summary>The count of values <paramref name="slot"/> sees, then each with how often: the bytes of its accumulator's checkpoint.</summary>
    public readonly void WriteSeenBy(BinaryWriter writer, int slot)
    {
        writer.Write(CountSeenBy(slot));
        foreach (ref readonly var entry in View)
        {
            if (entry.Counts[slot] <= 0) continue;
            writer.Write(entry.Value);
            writer.Write(entry.Counts[slot]);
        }
    }

    /// <summary>The values the table holds, copied (a struct cannot hand out a lazy enumerator of itself).</summary>
    public readonly List<long> ValuesCopy()
    {
        var values = new List<long>(count);
        foreach (ref readonly var entry in View)
        {
            if (!entry.Counts.IsEmpty) values.Add(entry.Value);
        }
        return values;
    }

    /// <summary>Each value <paramref name="slot"/> sees with how often, copied.</summary>
    public readonly List<(long Value, int Count)> SeenByCopy(int slot)
    {
        var seen = new List<(long, int)>();
        foreach (ref readonly var entry in View)
        {
            if (entry.Counts[slot] > 0) seen.Add((entry.Value, entry.Counts[slot]));
        }
        return seen;
    }

    // Fibonacci hashing: the multiply spreads ids that differ in their low bits (Nexmark's bidders and auctions are
    // dense ranges) over the whole table.
    private static int Home(long value, int mask) => (int)(((ulong)value * 0x9E3779B97F4A7C15UL) >> 32) & mask;

    private void Grow()
    {
        ReadOnlySpan<Entry> old = View;
        var bigger = new Entry[old.Length * 2];
        var mask = bigger.Length - 1;
        foreach (ref readonly var entry in old)
        {
            if (entry.Counts.IsEmpty) continue;
            var index = Home(entry.Value, mask);
            while (!bigger[index].Counts.IsEmpty) index = (index + 1) & mask;
            bigger[index] = entry;
        }
        spilled = bigger;
        inline = default;
    }

    // Linear probing's deletion without tombstones: later entries of the same run move back into the hole when their
    // home is not between the hole and where they stand, so every lookup still finds them before an empty entry.
    private void RemoveAt(Span<Entry> entries, int hole)
    {
        count--;
        var mask = entries.Length - 1;
        var index = hole;
        while (true)
        {
            index = (index + 1) & mask;
            if (entries[index].Counts.IsEmpty) break;
            var home = Home(entries[index].Value, mask);
            var stays = hole <= index ? hole < home && home <= index : hole < home || home <= index;
            if (stays) continue;
            entries[hole] = entries[index];
            hole = index;
        }
        entries[hole] = default;
    }

    private struct Entry
    {
        public long Value;
        public SlotCounts Counts;
    }

    [InlineArray(InlineCapacity)]
    private struct InlineEntries
    {
        private Entry first;
    }
}

/// <summary>One COUNT(DISTINCT bigint) whose values live in a <see cref="SharedDistinctValues"/> with others of its group.</summary>
internal sealed class SharedCountDistinctAccumulator(SharedDistinctValues values, int position) : Accumulator
{
    private readonly SharedDistinctValues shared = values;
    private readonly int slot = position;

    public override void Add(object? value)
    {
        if (value is not null) shared.Add((long)value, slot, 1);
    }

    // Add with -1 takes out only what the slot saw: a value it never saw (or another slot's) is left as it is.
    public override void Retract(object? value)
    {
        if (value is not null) shared.Add((long)value, slot, -1);
    }

    public override object? Result() => BoxedCounts.Of(shared.Distinct(slot));

    public override void Merge(Accumulator other)
    {
        var o = (SharedCountDistinctAccumulator)other;
        foreach (var (value, n) in o.shared.SeenBy(o.slot)) shared.Add(value, slot, n);
    }

    public override bool Subtractable => true;

    public override void Subtract(Accumulator other)
    {
        var o = (SharedCountDistinctAccumulator)other;
        foreach (var (value, n) in o.shared.SeenBy(o.slot)) shared.Add(value, slot, -n);
    }

    // Each accumulator of the shared table writes the values its own slot has seen; reading them back one slot after
    // another rebuilds the table and every slot's distinct count (counts are never negative: Retract and Subtract
    // only take out what was put in).
    public override void WriteState(BinaryWriter writer) => shared.WriteSeenBy(writer, slot);

    public override void ReadState(BinaryReader reader)
    {
        for (var i = CheckpointValues.ReadCount(reader); i > 0; i--)
        {
            var value = reader.ReadInt64();
            shared.Add(value, slot, reader.ReadInt32());
        }
    }
}
