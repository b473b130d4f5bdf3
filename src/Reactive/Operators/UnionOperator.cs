namespace Sluice.Reactive.Operators;

/// <summary>
/// UNION ALL of two inputs: rows (inserts and retractions) pass through from either side; the watermark is the
/// minimum of the two (see <see cref="BinarySink"/>). Stateless. More inputs are unioned pairwise.
/// </summary>
internal sealed class UnionSink(IObserver<Element> downstream) : BinarySink(downstream)
{
    protected override void OnRow(Element row, bool left) => Downstream.OnNext(row);

    protected override void OnWatermarksAdvanced()
    {
    }
}
