using Sluice.Reactive.Runtime.Checkpoints;
using Sluice.Nexmark;
using Sluice.Reactive.Tests.Nexmark;

namespace Sluice.Reactive.Tests.Checkpoints;

/// <summary>
/// Every Nexmark query the engine runs, checkpointed at random pushes and restored into a fresh pipeline: the restored
/// pipeline continues row for row (<see cref="CheckpointProperty"/>). Two generator seeds, three cut points each.
/// Not q12: its windows run on processing time, which no replay reproduces, so a PROCTIME() query keeps no operator
/// checkpoint and is not exactly-once across recovery (docs/durability.md).
/// </summary>
public sealed class NexmarkCheckpointTests
{
    public static TheoryData<string> Queries => [.. NexmarkQueries.All.Keys.Where(name => name != "q12")];

    [Theory]
    [MemberData(nameof(Queries))]
    public void A_restored_pipeline_continues_exactly_as_the_checkpointed_one(string name)
    {
        var query = QueryCompiler.Compile(NexmarkQueries.All[name], NexmarkStreamShapes.Instance);
        foreach (var seed in new[] { 7, 13 })
        {
            var events = NexmarkGenerator.Generate(15_000, NexmarkTestEvents.Config with { Seed = (ulong)seed });
            var pushes = PushesOf(query, events);
            CheckpointProperty.Holds(query, pushes, CheckpointProperty.Cuts(seed, pushes.Count, 3), $"{name} (seed {seed})");
        }
    }

    [Fact]
    public void A_query_on_processing_time_takes_no_operator_checkpoint()
    {
        Assert.False(PipelineCheckpoint.Supports(QueryCompiler.Compile(NexmarkQueries.All["q12"], NexmarkStreamShapes.Instance)));
        Assert.True(PipelineCheckpoint.Supports(QueryCompiler.Compile(NexmarkQueries.All["q5"], NexmarkStreamShapes.Instance)));
    }

    /// <summary>Each event, in generation order, to every input reading its stream (q7 reads bid twice), as NexmarkPipeline feeds them.</summary>
    private static List<Push> PushesOf(CompiledQuery query, IReadOnlyList<NexmarkEvent> events)
    {
        var layouts = query.Inputs.Select(i => NexmarkRows.Layout(i.Stream, [.. i.Columns.Select(c => c.Name)])).ToArray();
        var offsets = new Dictionary<string, long>();
        var pushes = new List<Push>();
        foreach (var e in events)
        {
            var offset = offsets.GetValueOrDefault(e.Stream);
            offsets[e.Stream] = offset + 1;
            for (var i = 0; i < layouts.Length; i++)
            {
                if (query.Inputs[i].Stream == e.Stream) pushes.Add(new Push(i, new InputEvent(offset, e.DateTime, layouts[i](e))));
            }
        }
        return pushes;
    }
}
