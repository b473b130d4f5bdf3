namespace Sluice.Reactive.Runtime.Checkpoints;

/// <summary>
/// A pipeline's state captured between batches on the driver, serialized later on another thread into the very blob
/// <see cref="CheckpointFormat.Write"/> would have written at the capture. Small states are written at the capture
/// (their bytes are kept); large ones (<see cref="ISnapshotCheckpointable"/>) are captured copy-on-write.
/// </summary>
public sealed class PipelineSnapshot
{
    private readonly object[] parts; // per operator: its state's bytes, or its open IStateCapture
    private int released;

    private PipelineSnapshot(object[] parts) => this.parts = parts;

    /// <summary>Captures <paramref name="operators"/> now, on the driver.</summary>
    public static PipelineSnapshot Capture(IReadOnlyList<ICheckpointable> operators)
    {
        ArgumentNullException.ThrowIfNull(operators);
        var parts = new object[operators.Count];
        try
        {
            for (var i = 0; i < parts.Length; i++)
            {
                parts[i] = operators[i] is ISnapshotCheckpointable large ? large.Capture() : WriteNow(operators[i]);
            }
        }
        catch
        {
            foreach (var part in parts) (part as IStateCapture)?.Release();
            throw;
        }
        return new PipelineSnapshot(parts);
    }

    /// <summary>The state blob (<see cref="CheckpointFormat"/>); any thread, once. Releases the captures, also when it fails.</summary>
    public byte[] Serialize()
    {
        try
        {
            return CheckpointFormat.WriteParts(parts.Length, (i, writer) =>
            {
                if (parts[i] is byte[] bytes) writer.Write(bytes);
                else ((IStateCapture)parts[i]).Write(writer);
            });
        }
        finally
        {
            Release();
        }
    }

    /// <summary>Ends the captures without serializing (a checkpoint that will not be written).</summary>
    public void Release()
    {
        if (Interlocked.Exchange(ref released, 1) != 0) return;
        foreach (var part in parts) (part as IStateCapture)?.Release();
    }

    private static byte[] WriteNow(ICheckpointable op)
    {
        using var buffer = new MemoryStream();
        using (var writer = new BinaryWriter(buffer, System.Text.Encoding.UTF8, leaveOpen: true))
        {
            op.WriteState(writer);
        }
        return buffer.ToArray();
    }
}
