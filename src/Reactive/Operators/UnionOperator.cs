using Sluice.Reactive.Runtime.Checkpoints;

namespace Sluice.Reactive.Operators;

/// <summary>
/// UNION ALL of two inputs: rows (inserts and retractions) pass through from either side; the watermark is the
/// minimum of the two (see <see cref="BinarySink"/>). Stateless. More inputs are unioned pairwise.
/// </summary>
internal sealed class UnionSink(IObserver<Element> downstream) : BinarySink(downstream), ICheckpointable
{
    public void WriteState(BinaryWriter writer) => WriteWatermarks(writer);

    public void ReadState(BinaryReader reader) => ReadWatermarks(reader);

    protected override void OnRow(Element row, bool left) => Downstream.OnNext(row);

    protected override void OnWatermarksAdvanced()
    {
    }
}
