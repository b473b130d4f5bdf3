using Sluice.Reactive.Aggregation;
using Sluice.Reactive.Runtime.Checkpoints;

namespace Sluice.Reactive.Operators;

/// <summary>
/// DISTINCT's table captured for a checkpoint (docs/durability.md, "The checkpoint pause"): on the driver, one copy of
/// its entries (key and number of copies, by value) into a buffer kept from one checkpoint to the next; the keys are
/// serialized later by the checkpoint writer. Keys are immutable values, so the copy is the state at the capture.
/// </summary>
internal sealed class DistinctStateCapture(Action<DistinctStateCapture> onRelease) : IStateCapture
{
    private KeyValuePair<GroupKey, long>[] entries = [];
    private int count;

    /// <summary>Copies <paramref name="counts"/> now, in its enumeration order (the order <see cref="WriteEntries"/> writes the live table in).</summary>
    public void Take(Dictionary<GroupKey, long> counts)
    {
        count = counts.Count;
        if (entries.Length < count) entries = new KeyValuePair<GroupKey, long>[count];
        ((ICollection<KeyValuePair<GroupKey, long>>)counts).CopyTo(entries, 0);
    }

    public void Write(BinaryWriter writer) => WriteEntries(writer, entries.AsSpan(0, count));

    public void Release()
    {
        Array.Clear(entries, 0, count); // the next Take sets the count again
        onRelease(this);
    }

    /// <summary>The checkpoint bytes of DISTINCT's table: the number of rows, then each row's key and number of copies.</summary>
    public static void WriteEntries(BinaryWriter writer, ReadOnlySpan<KeyValuePair<GroupKey, long>> entries)
    {
        writer.Write(entries.Length);
        foreach (var (key, n) in entries)
        {
            CheckpointValues.WriteKey(writer, key);
            writer.Write(n);
        }
    }
}
