using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;
using Sluice.Reactive.Runtime.Checkpoints;

namespace Sluice.Reactive.Aggregation;

/// <summary>
/// The groups of a GROUP BY's checkpoint that no event has touched since the restore, still as bytes in the checkpoint
/// blob. A restore reads each group once to find where it starts and its key's hash, and keeps only those: two arrays of
/// ints for the whole table, no object per group. A group is decoded (<see cref="AggregateGroup.Read"/>) when an event
/// first looks its key up; a checkpoint copies the bytes of those still untouched as they are. Why: decoding a million
/// groups up front allocated four objects and about 270 B per group, all surviving, and a restart spent seconds
/// growing the heap and collecting it (docs/benchmarks.md, "A lazy restore"); most groups of a large table are not
/// touched soon after a restart. Driver thread only, except <see cref="Untouched"/>'s snapshots, which never change.
/// </summary>
internal sealed class RestoredGroups
{
    private readonly byte[] blob;

    // Where group i starts in the blob; starts[count] is where the last one ends. Never changes after the restore.
    private readonly int[] starts;

    // Open addressing over (key hash, group index + 1; 0 = empty), power-of-two capacity, at most half full.
    private readonly Slot[] slots;

    // Which groups were decoded (taken out): they then live in the operator's GroupTable, or were removed there.
    private readonly bool[] taken;

    private readonly BinaryReader reader;
    private int remaining;

    private RestoredGroups(byte[] blob, int[] starts, Slot[] slots)
    {
        this.blob = blob;
        this.starts = starts;
        this.slots = slots;
        taken = new bool[starts.Length - 1];
        remaining = taken.Length;
        reader = new BinaryReader(new MemoryStream(blob, writable: false));
    }

    /// <summary>How many restored groups no event has touched yet.</summary>
    public int Remaining => remaining;

    /// <summary>
    /// Reads through <paramref name="count"/> groups written by <see cref="AggregateGroup.Write"/> from
    /// <paramref name="input"/>, checking each as a full read would, and keeps where each starts; null when
    /// <paramref name="input"/> does not expose the blob it reads (the caller then decodes every group at once).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // recovery only: CheckpointValues.ReadKey says why
    public static RestoredGroups? Scan(BinaryReader input, int count, AggregateSpec[] specs)
    {
        if (input.BaseStream is not MemoryStream stream || !stream.TryGetBuffer(out var buffer) || buffer.Array is null) return null;
        var capacity = 16;
        while (capacity < 2 * count) capacity *= 2;
        var slots = new Slot[capacity];
        var mask = capacity - 1;
        var starts = new int[count + 1];
        var scratch = AggregateSpec.ScratchFor(specs);
        for (var i = 0; i < count; i++)
        {
            starts[i] = buffer.Offset + (int)stream.Position;
            var hash = AggregateGroup.Skip(input, specs, scratch);
            var index = Home(hash, mask);
            while (slots[index].Group != 0) index = (index + 1) & mask;
            slots[index] = new Slot(hash, i + 1);
        }
        starts[count] = buffer.Offset + (int)stream.Position;
        return new RestoredGroups(buffer.Array, starts, slots);
    }

    /// <summary>
    /// Decodes and takes out the untouched group of <paramref name="key"/>, if there is one: from now on it lives in the
    /// operator's table, and neither a later lookup here nor a checkpoint of what is left here sees it again.
    /// </summary>
    public bool TryTake(in GroupKey key, AggregateSpec[] specs, int[]? outputColumns, PackedLayout? layout, [MaybeNullWhen(false)] out AggregateGroup group)
    {
        // Its own hash of the key's values, not GroupKey's: the restore computes it from the bytes without building keys.
        var hash = CheckpointValues.KeyHash(key);
        var mask = slots.Length - 1;
        for (var index = Home(hash, mask); slots[index].Group is var stored and not 0; index = (index + 1) & mask)
        {
            var i = stored - 1;
            if (slots[index].Hash != hash || taken[i]) continue;
            reader.BaseStream.Position = starts[i];
            if (!CheckpointValues.ReadKey(reader).Equals(key)) continue;
            reader.BaseStream.Position = starts[i];
            group = AggregateGroup.Read(reader, specs, outputColumns, layout);
            taken[i] = true;
            remaining--;
            return true;
        }
        group = null;
        return false;
    }

    /// <summary>The untouched groups now, as bytes that stay valid whatever happens here later (for a capture).</summary>
    public Untouched Snapshot()
    {
        var indices = new int[remaining];
        var next = 0;
        for (var i = 0; i < taken.Length; i++)
        {
            if (!taken[i]) indices[next++] = i;
        }
        return new Untouched(blob, starts, indices);
    }

    // Fibonacci hashing, as GroupTable: hash codes that differ only in a few bits spread over the whole table.
    private static int Home(int hash, int mask) => (int)(((ulong)(uint)hash * 0x9E3779B97F4A7C15UL) >> 32) & mask;

    private readonly record struct Slot(int Hash, int Group);

    /// <summary>Untouched restored groups at one moment: each one's bytes, exactly as the checkpoint they came from holds them.</summary>
    internal sealed class Untouched(byte[] blob, int[] starts, int[] indices)
    {
        public int Count => indices.Length;

        /// <summary>Writes each group's bytes, in the order of the checkpoint they came from.</summary>
        public void Write(BinaryWriter writer)
        {
            foreach (var i in indices) writer.Write(blob, starts[i], starts[i + 1] - starts[i]);
        }
    }
}
