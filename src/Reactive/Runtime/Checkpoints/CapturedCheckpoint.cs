using Sluice.Data.Queries;

namespace Sluice.Reactive.Runtime.Checkpoints;

/// <summary>
/// A checkpoint taken on the driver between batches (offsets, output head and the captured pipeline state agree), whose
/// state blob is serialized when it is written, off the driver (<see cref="QueryCheckpointer"/>).
/// </summary>
public sealed class CapturedCheckpoint(StoredCheckpoint row, PipelineSnapshot state)
{
    public IReadOnlyList<long> InputOffsets => row.InputOffsets;

    /// <summary>The row to store, its state serialized now (any thread, once); the capture is released, also on failure.</summary>
    public StoredCheckpoint Serialize() => row with { State = state.Serialize() };

    /// <summary>Gives the capture up without writing it.</summary>
    public void Release() => state.Release();
}
