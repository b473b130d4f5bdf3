using System.Reactive;
using System.Reactive.Subjects;
using Sluice.Reactive.Operators;

namespace Sluice.Reactive.Runtime.Checkpoints;

/// <summary>
/// The state of one running pipeline, as a checkpoint holds it: the pipeline's counters, then every stateful
/// operator's state, in a fixed order (a depth-first walk from the output towards the inputs, which the same query
/// text always wires the same way). Built once per run, after subscribing; writing and reading happen on the driver,
/// between batches, so nothing moves meanwhile.
/// </summary>
public sealed class PipelineCheckpoint
{
    private PipelineCheckpoint(IReadOnlyList<ICheckpointable> operators) => Operators = operators;

    /// <summary>The pipeline's counters first, then each stateful operator.</summary>
    public IReadOnlyList<ICheckpointable> Operators { get; }

    /// <summary>
    /// The checkpointable state of the pipeline <paramref name="subscription"/> (what subscribing to
    /// <see cref="CompiledQuery.Build"/>'s observable returned), or null when an operator in it cannot be checkpointed
    /// (the query then resumes by replaying its inputs from its run's start, as docs/durability.md says).
    /// </summary>
    public static PipelineCheckpoint? Of(IDisposable subscription, QueryStats stats)
    {
        ArgumentNullException.ThrowIfNull(subscription);
        ArgumentNullException.ThrowIfNull(stats);
        if (subscription is not IPipelineEnd { Upstream: OperatorSink last })
        {
            return null;
        }
        var operators = new List<ICheckpointable> { new StatsState(stats) };
        return Collect(last, operators) ? new PipelineCheckpoint(operators) : null;
    }

    /// <summary>True when every stateful operator of <paramref name="compiled"/>'s pipelines can be checkpointed (wires one to find out).</summary>
    public static bool Supports(CompiledQuery compiled)
    {
        ArgumentNullException.ThrowIfNull(compiled);
        if (compiled.UsesProcessingTime)
        {
            // Its windows close by the wall clock, which no replay reproduces: it keeps no operator state in checkpoints.
            return false;
        }
        var inputs = compiled.Inputs.Select(_ => new Subject<InputEvent>()).ToArray();
        var stats = new QueryStats();
        using var subscription = compiled.Build(inputs, stats).Subscribe(Observer.Create<OutputRow>(_ => { }));
        return Of(subscription, stats) is not null;
    }

    /// <summary>The state blob of the pipeline now (<see cref="CheckpointFormat"/>).</summary>
    public byte[] Write() => CheckpointFormat.Write(Operators);

    /// <summary>The state of the pipeline now, to be serialized later on any thread into the blob <see cref="Write"/> would give now.</summary>
    public PipelineSnapshot Capture() => PipelineSnapshot.Capture(Operators);

    /// <summary>Restores a blob a pipeline of the same query wrote, before the first event of this one.</summary>
    public void Read(string query, int version, byte[] blob) => CheckpointFormat.Read(query, version, blob, Operators);

    private static bool Collect(OperatorSink sink, List<ICheckpointable> into)
    {
        if (sink is ICheckpointable checkpointable) into.Add(checkpointable);
        else if (!sink.Stateless) return false;
        if (sink.ReadsInput) return true;
        foreach (var upstream in sink.Upstreams)
        {
            if (upstream is not OperatorSink above || !Collect(above, into)) return false;
        }
        return true;
    }

    /// <summary>The counters the pipeline keeps (late events, row errors, watermark...), so they continue across a restore.</summary>
    private sealed class StatsState(QueryStats stats) : ICheckpointable
    {
        public void WriteState(BinaryWriter writer) => stats.WriteCounters(writer);

        public void ReadState(BinaryReader reader) => stats.ReadCounters(reader);
    }
}
