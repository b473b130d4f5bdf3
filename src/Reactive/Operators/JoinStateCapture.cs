using Sluice.Reactive.Runtime.Checkpoints;

namespace Sluice.Reactive.Operators;

/// <summary>
/// A join's state captured for a checkpoint (docs/durability.md, "The checkpoint pause"): on the driver, its watermarks and
/// a block copy of each side (<see cref="JoinSideSnapshot"/>); the rows are serialized later by the checkpoint writer, so
/// the driver pauses for a copy of the ring instead of writing every stored row. The operator keeps one instance and reuses
/// it (and its buffers) for every checkpoint; at most one is open at a time.
/// </summary>
internal sealed class JoinStateCapture(Action<JoinStateCapture> onRelease) : IStateCapture
{
    private readonly JoinSideSnapshot left = new();
    private readonly JoinSideSnapshot right = new();
    private readonly byte[] watermarks = new byte[3 * sizeof(long)];

    /// <summary>Copies the join's state now (on the driver): <paramref name="writeWatermarks"/> writes its watermarks, then both sides.</summary>
    public void Take(Action<BinaryWriter> writeWatermarks, JoinState leftState, JoinState rightState)
    {
        using (var writer = new BinaryWriter(new MemoryStream(watermarks, writable: true)))
        {
            writeWatermarks(writer);
        }
        leftState.CaptureInto(left);
        rightState.CaptureInto(right);
    }

    /// <summary>What <see cref="JoinSink.WriteState"/> wrote when the capture was taken.</summary>
    public void Write(BinaryWriter writer)
    {
        writer.Write(watermarks);
        left.Write(writer);
        right.Write(writer);
    }

    public void Release()
    {
        left.Clear();
        right.Clear();
        onRelease(this);
    }
}
