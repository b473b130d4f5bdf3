using Sluice.Reactive.Runtime.Checkpoints;

namespace Sluice.Reactive.Aggregation;

/// <summary>
/// A GROUP BY's table captured copy-on-write for a checkpoint. The capture itself only copies the references to the
/// groups (milliseconds for a million); a writer thread then serializes each group, while the driver goes on. Whichever
/// comes first to a group claims it for this capture (one compare-and-swap on <see cref="AggregateGroup.ClaimedEpoch"/>):
/// the writer serializes it in place; the driver, about to change it, serializes it first into
/// <see cref="AggregateGroup.CapturedBytes"/>, which the writer copies. A driver that finds the writer in the middle of
/// a group waits for that group alone (microseconds). Groups created after the capture carry its epoch and are left out.
/// So the blob holds every group exactly as it was at the capture, byte for byte what writing it then would have given.
/// Restored groups still untouched at the capture (<see cref="RestoredGroups"/>) are written last, as the bytes they were read from.
/// </summary>
internal sealed class GroupTableCapture(AggregateGroup[] groups, RestoredGroups.Untouched? untouched, int epoch, int[]? outputColumns, Action<GroupTableCapture> onRelease) : IStateCapture
{
    private MemoryStream? scratch;
    private BinaryWriter? scratchWriter;

    public int Epoch { get; } = epoch;

    /// <summary>On the driver, before <paramref name="group"/> changes while this capture is open.</summary>
    public void BeforeChange(AggregateGroup group)
    {
        var claimed = Volatile.Read(ref group.ClaimedEpoch);
        if (claimed < Epoch && Interlocked.CompareExchange(ref group.ClaimedEpoch, Epoch, claimed) == claimed)
        {
            scratch ??= new MemoryStream();
            scratchWriter ??= new BinaryWriter(scratch, System.Text.Encoding.UTF8, leaveOpen: true);
            scratch.SetLength(0);
            try
            {
                AggregateGroup.Write(scratchWriter, group, outputColumns);
                scratchWriter.Flush();
                group.CapturedBytes = scratch.ToArray();
            }
            catch (NotSupportedException)
            {
                // A value the codec refuses: this checkpoint fails when the writer reaches the group (logged); the query goes on.
                group.CapturedBytes = null;
            }
            Volatile.Write(ref group.WrittenEpoch, Epoch);
            return;
        }
        // Claimed already: by the driver earlier (written), or by the writer, which may be in the middle of it.
        var wait = new SpinWait();
        while (Volatile.Read(ref group.WrittenEpoch) < Epoch) wait.SpinOnce();
    }

    public void Write(BinaryWriter writer)
    {
        writer.Write(groups.Length + (untouched?.Count ?? 0));
        foreach (var group in groups)
        {
            var claimed = Volatile.Read(ref group.ClaimedEpoch);
            if (claimed < Epoch && Interlocked.CompareExchange(ref group.ClaimedEpoch, Epoch, claimed) == claimed)
            {
                try
                {
                    AggregateGroup.Write(writer, group, outputColumns);
                }
                finally
                {
                    // Also on failure: a driver waiting for this group must not wait for ever (the checkpoint fails, logged).
                    Volatile.Write(ref group.WrittenEpoch, Epoch);
                }
                continue;
            }
            var wait = new SpinWait();
            while (Volatile.Read(ref group.WrittenEpoch) < Epoch) wait.SpinOnce();
            var bytes = group.CapturedBytes ?? throw new NotSupportedException("A group of the checkpoint holds a value a checkpoint cannot hold.");
            writer.Write(bytes);
            group.CapturedBytes = null;
        }
        // Restored groups no event had touched at the capture: their checkpoint bytes, which nothing changes.
        untouched?.Write(writer);
    }

    public void Release() => onRelease(this);
}
