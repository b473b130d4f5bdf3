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
