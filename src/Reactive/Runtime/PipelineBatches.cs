using System.Reactive;
using System.Reactive.Subjects;
using Sluice.Reactive.Operators;

namespace Sluice.Reactive.Runtime;

/// <summary>
/// Mini-batching of one running pipeline (docs/engine.md, "Mini-batching"): the updating operators in it (non-windowed
/// GROUP BY) apply the rows of an input batch to their state without emitting, and <see cref="Flush"/>, which the host
/// calls after each batch it pushes, emits one <c>-</c>/<c>+</c> pair per changed result row. A consumer applying the
/// changelog in order holds the current result after every batch; the states inside a batch are skipped, as Flink's
/// mini-batch aggregation and RisingWave's per-barrier aggregation skip them. A host that never calls
/// <see cref="Of"/> gets one pair per input row, as before.
/// </summary>
public sealed class PipelineBatches
{
    private static readonly PipelineBatches None = new([]);

    // Upstream before downstream: a flush's rows reach the operators below before those flush in turn.
    private readonly IBatchedOperator[] operators;

    private PipelineBatches(IBatchedOperator[] operators) => this.operators = operators;

    /// <summary>True when the pipeline holds no operator that batches: flushing it does nothing.</summary>
    public bool IsEmpty => operators.Length == 0;

    /// <summary>
    /// Turns mini-batching on for the pipeline <paramref name="subscription"/> (what subscribing to
    /// <see cref="CompiledQuery.Build"/>'s observable returned). From then on its host must call <see cref="Flush"/>
    /// after each batch it pushes; a checkpoint is taken only after a flush, so the state it captures and the rows
    /// emitted agree.
    /// </summary>
    public static PipelineBatches Of(IDisposable subscription)
    {
        ArgumentNullException.ThrowIfNull(subscription);
        if (subscription is not IPipelineEnd { Upstream: OperatorSink last })
        {
            return None;
        }
        var found = new List<IBatchedOperator>();
        Collect(last, found);
        if (found.Count == 0)
        {
            return None;
        }
        foreach (var op in found)
        {
            op.BeginBatches();
        }
        return new PipelineBatches([.. found]);
    }

    /// <summary>
    /// True when pipelines of <paramref name="compiled"/> batch (wires one to find out): their output depends on where
    /// the batches end, so a durable run journals each batch to replay the same ones after a restart (docs/durability.md).
    /// </summary>
    public static bool Batches(CompiledQuery compiled)
    {
        ArgumentNullException.ThrowIfNull(compiled);
        var inputs = compiled.Inputs.Select(_ => new Subject<InputEvent>()).ToArray();
        using var subscription = compiled.Build(inputs, new QueryStats()).Subscribe(Observer.Create<OutputRow>(_ => { }));
        return subscription is IPipelineEnd { Upstream: OperatorSink last } && Contains(last);
    }

    /// <summary>Ends the current batch: each batching operator, upstream first, emits what the batch changed.</summary>
    public void Flush()
    {
        for (var i = 0; i < operators.Length; i++)
        {
            operators[i].Flush();
        }
    }

    // Post-order (upstreams first), so the list is in flush order.
    private static void Collect(OperatorSink sink, List<IBatchedOperator> into)
    {
        if (!sink.ReadsInput)
        {
            foreach (var upstream in sink.Upstreams)
            {
                if (upstream is OperatorSink above)
                {
                    Collect(above, into);
                }
            }
        }
        if (sink is IBatchedOperator batched)
        {
            into.Add(batched);
        }
    }

    private static bool Contains(OperatorSink sink)
    {
        var found = new List<IBatchedOperator>();
        Collect(sink, found);
        return found.Count > 0;
    }
}
