namespace Sluice.Reactive.Operators;

/// <summary>
/// An updating operator that can apply the rows of one input batch without emitting and emit the net change of the
/// batch when the host flushes (mini-batching, docs/engine.md). It emits per row, as before, until
/// <see cref="BeginBatches"/>: a pipeline driven without flushes (operator tests, previews) behaves as it always did.
/// </summary>
internal interface IBatchedOperator
{
    /// <summary>From now on rows change state without emitting; <see cref="Flush"/> emits what changed.</summary>
    void BeginBatches();

    /// <summary>
    /// The batch has ended: emits one retraction of the old row and one insertion of the new row per changed result (none
    /// when the row did not change), then forwards a watermark it held back. Upstream operators flush first.
    /// </summary>
    void Flush();
}
