using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;

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
/// An open-addressing table of values, each with how often each of up to <see cref="SlotCounts.Size"/> aggregates saw it,
/// and per aggregate how many values it sees at least once (linear probing, power-of-two capacity, at most three quarters
/// full). The first <see cref="InlineCapacity"/> entries live inside the table itself, so a packed group
/// (<see cref="PackedDistinctGroup"/>) that holds few values has them in its own object: reaching them from the groups
/// table costs no miss beyond the group's, and no array is allocated or regrown for them. A value and its counts are one
/// 16-byte entry (16-bit counts), inline and then in an array when more values come; a count past 65,535 moves the table
/// to an array of 24-byte entries (32-bit counts). Nexmark q16's ten thousand cold (day, channel) groups hold a dozen to a
/// few dozen values per table: 24 fit inline in the space 16 entries of 24 bytes took, so most of them never allocate an
/// array (a spilled table's array and the inline bytes it leaves unused were half of such a group's memory, all of it
/// copied by the collector). The entries hold no references, so the garbage collector never scans them.
/// </summary>
internal struct DistinctTable
{
    /// <summary>Entries kept inline before the table moves to an array (a power of two).</summary>
    public const int InlineCapacity = 32;

    // The largest count a compact entry holds (16 bits per slot).
    private const long CompactMaxCount = ushort.MaxValue;

    // Past the inline entries: an array of compact entries, or of wide ones once a count outgrows 16 bits (then only that).
    private CompactEntry[]? compact;
    private Entry[]? wide;
    private int count;
    private SlotDistincts distinct;
    private InlineEntries inline;

    /// <summary>How many values the table holds (seen by at least one slot).</summary>
    public readonly int Count => count;

    /// <summary>How many values <paramref name="slot"/> sees at least once.</summary>
    public readonly long Distinct(int slot) => distinct[slot];

    /// <summary>Whether the values live in an array rather than inline (for tests of the moves).</summary>
    public readonly bool IsSpilled => compact is not null || wide is not null;

    /// <summary>Whether the values live in an array of 32-bit counts (for tests of the moves).</summary>
    public readonly bool IsWide => wide is not null;

    // The compact entries, inline or in their array (only while the table is not wide).
    [UnscopedRef]
    private Span<CompactEntry> Compact => compact is null ? inline : compact;

    [UnscopedRef]
    private readonly ReadOnlySpan<CompactEntry> CompactView => compact is null ? inline : compact;

    /// <summary>How often <paramref name="slot"/> saw <paramref name="value"/>.</summary>
    public readonly int CountOf(long value, int slot) => wide is null ? CountOf(CompactView, value, slot) : CountOf<Entry>(wide, value, slot);

    /// <summary>
    /// Adds <paramref name="n"/> sightings (negative: removes) of <paramref name="value"/> in every slot of
    /// <paramref name="slots"/> (bit i: slot i), with one probe: the same table as one <c>Add</c> per slot in turn (a
    /// slot takes out only what it saw; a value leaves when no slot sees it). A new value without room, or a count the
    /// inline entries cannot hold, grows the table first; nothing else does.
    /// </summary>
    public void Add(long value, int slots, int n)
    {
        while (true)
        {
            var outcome = wide is null ? TryAdd(Compact, value, slots, n, CompactMaxCount) : TryAdd<Entry>(wide, value, slots, n, long.MaxValue);
            if (outcome == Added) return;
            Grow(outcome == NeedsWiderCounts);
        }
    }

    /// <summary>How many values <paramref name="slot"/> sees (for a checkpoint's count).</summary>
    public readonly int CountSeenBy(int slot) => wide is null ? CountSeenBy(CompactView, slot) : CountSeenBy<Entry>(wide, slot);

    /// <summary>The count of values <paramref name="slot"/> sees, then each with how often: the bytes of its accumulator's checkpoint.</summary>
    public readonly void WriteSeenBy(BinaryWriter writer, int slot)
    {
        writer.Write(CountSeenBy(slot));
        if (wide is null) WriteSeenBy(CompactView, writer, slot);
        else WriteSeenBy<Entry>(wide, writer, slot);
    }

    /// <summary>The values the table holds, copied (a struct cannot hand out a lazy enumerator of itself).</summary>
    public readonly List<long> ValuesCopy()
    {
        var values = new List<long>(count);
        if (wide is null) AddValues(CompactView, values);
        else AddValues<Entry>(wide, values);
        return values;
    }

    /// <summary>Each value <paramref name="slot"/> sees with how often, copied.</summary>
    public readonly List<(long Value, int Count)> SeenByCopy(int slot)
    {
        var seen = new List<(long, int)>();
        if (wide is null) AddSeenBy(CompactView, seen, slot);
        else AddSeenBy<Entry>(wide, seen, slot);
        return seen;
    }

    // Fibonacci hashing: the multiply spreads ids that differ in their low bits (Nexmark's bidders and auctions are
    // dense ranges) over the whole table.
    private static int Home(long value, int mask) => (int)(((ulong)value * 0x9E3779B97F4A7C15UL) >> 32) & mask;

    // What TryAdd did: the change, or nothing because the table must first grow (room for a new value) or widen (a count
    // above what a compact entry holds).
    private const int Added = 0;
    private const int NeedsRoom = 1;
    private const int NeedsWiderCounts = 2;

    // The probe and the change, on either kind of entry; when the table must grow or widen first, nothing changes.
    private int TryAdd<T>(Span<T> entries, long value, int slots, int n, long maxCount)
        where T : struct, ITableEntry
    {
        var mask = entries.Length - 1;
        var index = Home(value, mask);
        while (!entries[index].IsEmpty && entries[index].Value != value) index = (index + 1) & mask;
        ref var entry = ref entries[index];
        if (entry.IsEmpty)
        {
            if (n <= 0) return Added; // nothing to take out of a value nobody sees
            // At most three quarters full, so a probe ends soon; growing only for a new value (or widening for a count that
            // does not fit) makes the table's layout depend on what it holds, not on how the sightings were grouped into calls.
            if (count >= entries.Length - (entries.Length >> 2)) return NeedsRoom;
            if (n > maxCount) return NeedsWiderCounts;
            entry.Value = value;
            count++;
        }
        else if (n > 0)
        {
            for (var rest = slots; rest != 0; rest &= rest - 1)
            {
                if ((long)entry.CountAt(System.Numerics.BitOperations.TrailingZeroCount(rest)) + n > maxCount) return NeedsWiderCounts;
            }
        }
        for (var rest = slots; rest != 0; rest &= rest - 1)
        {
            var slot = System.Numerics.BitOperations.TrailingZeroCount(rest);
            var before = entry.CountAt(slot);
            var after = before + n;
            if (before <= 0 && after > 0) distinct[slot]++;
            else if (before > 0 && after <= 0) distinct[slot]--;
            entry.SetCountAt(slot, after < 0 ? 0 : after);
        }
        if (entry.IsEmpty) RemoveAt(entries, index);
        return Added;
    }

    // Moves the entries to an array: twice the size for room, the same size (an array when they were inline) to widen.
    private void Grow(bool widen)
    {
        if (wide is not null)
        {
            wide = MoveInto<Entry, Entry>(wide, new Entry[wide.Length * 2]);
            return;
        }
        var capacity = widen ? CompactView.Length : CompactView.Length * 2;
        if (widen) wide = MoveInto<CompactEntry, Entry>(CompactView, new Entry[capacity]);
        else compact = MoveInto<CompactEntry, CompactEntry>(CompactView, new CompactEntry[capacity]);
        if (widen) compact = null;
        inline = default;
    }

    private static TTo[] MoveInto<TFrom, TTo>(ReadOnlySpan<TFrom> old, TTo[] bigger)
        where TFrom : struct, ITableEntry
        where TTo : struct, ITableEntry
    {
        var mask = bigger.Length - 1;
        foreach (var entry in old)
        {
            if (entry.IsEmpty) continue;
            var index = Home(entry.Value, mask);
            while (!bigger[index].IsEmpty) index = (index + 1) & mask;
            ref var moved = ref bigger[index];
            moved.Value = entry.Value;
            for (var slot = 0; slot < SlotCounts.Size; slot++) moved.SetCountAt(slot, entry.CountAt(slot));
        }
        return bigger;
    }

    // Linear probing's deletion without tombstones: later entries of the same run move back into the hole when their
    // home is not between the hole and where they stand, so every lookup still finds them before an empty entry.
    private void RemoveAt<T>(Span<T> entries, int hole)
        where T : struct, ITableEntry
    {
        count--;
        var mask = entries.Length - 1;
        var index = hole;
        while (true)
        {
            index = (index + 1) & mask;
            if (entries[index].IsEmpty) break;
            var home = Home(entries[index].Value, mask);
            var stays = hole <= index ? hole < home && home <= index : hole < home || home <= index;
            if (stays) continue;
            entries[hole] = entries[index];
            hole = index;
        }
        entries[hole] = default;
    }

    private static int CountOf<T>(ReadOnlySpan<T> entries, long value, int slot)
        where T : struct, ITableEntry
    {
        var mask = entries.Length - 1;
        for (var index = Home(value, mask); !entries[index].IsEmpty; index = (index + 1) & mask)
        {
            if (entries[index].Value == value) return entries[index].CountAt(slot);
        }
        return 0;
    }

    private static int CountSeenBy<T>(ReadOnlySpan<T> entries, int slot)
        where T : struct, ITableEntry
    {
        var seen = 0;
        foreach (var entry in entries)
        {
            if (entry.CountAt(slot) > 0) seen++;
        }
        return seen;
    }

    private static void WriteSeenBy<T>(ReadOnlySpan<T> entries, BinaryWriter writer, int slot)
        where T : struct, ITableEntry
    {
        foreach (var entry in entries)
        {
            if (entry.CountAt(slot) <= 0) continue;
            writer.Write(entry.Value);
            writer.Write(entry.CountAt(slot));
        }
    }

    private static void AddValues<T>(ReadOnlySpan<T> entries, List<long> values)
        where T : struct, ITableEntry
    {
        foreach (var entry in entries)
        {
            if (!entry.IsEmpty) values.Add(entry.Value);
        }
    }

    private static void AddSeenBy<T>(ReadOnlySpan<T> entries, List<(long, int)> seen, int slot)
        where T : struct, ITableEntry
    {
        foreach (var entry in entries)
        {
            if (entry.CountAt(slot) > 0) seen.Add((entry.Value, entry.CountAt(slot)));
        }
    }

    // What the table's code needs of an entry, inline or in the array: generic code over these structs is compiled once
    // per entry kind, with the calls inlined.
    private interface ITableEntry
    {
        long Value { get; set; }

        bool IsEmpty { get; }

        int CountAt(int slot);

        void SetCountAt(int slot, int count);
    }

    // An array entry: the value and a 32-bit count per slot (24 bytes).
    private struct Entry : ITableEntry
    {
        public SlotCounts Counts;

        public long Value { readonly get; set; }

        public readonly bool IsEmpty => Counts.IsEmpty;

        public readonly int CountAt(int slot) => Counts[slot];

        public void SetCountAt(int slot, int count) => Counts[slot] = count;
    }

    // A compact entry: the value and a 16-bit count per slot in one word (16 bytes); zero when no slot sees the value.
    private struct CompactEntry : ITableEntry
    {
        private ulong counts;

        public long Value { readonly get; set; }

        public readonly bool IsEmpty => counts == 0;

        public readonly int CountAt(int slot) => (int)((counts >> (slot * 16)) & 0xFFFF);

        public void SetCountAt(int slot, int count) =>
            counts = (counts & ~(0xFFFFUL << (slot * 16))) | ((ulong)(uint)count << (slot * 16));
    }

    [InlineArray(InlineCapacity)]
    private struct InlineEntries
    {
        private CompactEntry first;
    }
}
