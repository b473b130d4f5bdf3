namespace Sluice.Reactive.Runtime.Checkpoints;

/// <summary>
/// An operator whose state a checkpoint holds: it writes that state between batches (on the query's driver, so nothing
/// moves meanwhile) and reads it back before the first event of a resumed run. Operators implement it with added members
/// only; a pipeline is checkpointed when every stateful operator in it does (docs/durability.md lists which do).
/// </summary>
public interface ICheckpointable
{
    void WriteState(BinaryWriter writer);

    void ReadState(BinaryReader reader);
}

/// <summary>
/// A checkpointable operator whose state can be large (a GROUP BY's table): instead of writing it on the driver, it
/// captures it there in a time that does not grow with each entry's size, and the capture writes it later, on another
/// thread, while the driver goes on processing (docs/durability.md, "The checkpoint pause").
/// </summary>
public interface ISnapshotCheckpointable : ICheckpointable
{
    /// <summary>Captures the state now (on the driver, between batches). At most one capture is open at a time.</summary>
    IStateCapture Capture();
}

/// <summary>An operator's state as it was when captured, to be written once, on any thread.</summary>
public interface IStateCapture
{
    /// <summary>Writes exactly what <see cref="ICheckpointable.WriteState"/> would have written when the capture was taken.</summary>
    void Write(BinaryWriter writer);

    /// <summary>Ends the capture (after <see cref="Write"/>, or instead of it): the operator stops preserving the captured state.</summary>
    void Release();
}
