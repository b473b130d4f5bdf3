using System.Diagnostics.Metrics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Sluice.Api.Tests.Queries;
using Sluice.Data.Queries;
using Sluice.Data.Streams;
using Sluice.Reactive;
using Sluice.Reactive.Runtime;

namespace Sluice.Api.Tests.Durability;

/// <summary>
/// A one-input GROUP BY emits once per batch (mini-batching), so its output depends on where its batches ended. A run
/// that resumes after a crash (rows appended beyond its last checkpoint, here none) must end its batches where the first
/// run did, or the rows it skips as already written are not the rows the output holds.
/// </summary>
public sealed class JournaledBatchesTests
{
    [Fact]
    public async Task A_resumed_group_by_replays_its_journaled_batches_and_continues_its_changelog_exactly()
    {
        await using var harness = new RuntimeHarness();
        using var services = new ServiceCollection().AddMetrics().BuildServiceProvider();
        var telemetry = new QueryTelemetry(services.GetRequiredService<IMeterFactory>());
        var input = await harness.CreateStreamAsync("clicks");
        var output = await harness.CreateStreamAsync("counts");
        var compiled = QueryCompiler.Compile("SELECT text, COUNT(*) AS n FROM clicks GROUP BY text", new StoreStreamShapes(harness.Store));
        Assert.True(QueryDurability.Journals(compiled));
        var catalog = new RecordingQueryCatalog();

        // The first run reads two appends as two batches (one pair each), then dies without a checkpoint.
        var first = Run(compiled, input, output, catalog, telemetry, replay: [], skip: 0);
        first.Start();
        await harness.AppendAsync("clicks", Events(0, 10));
        await Infrastructure.Eventually.UntilAsync(() => output.Position.HeadOffset, head => head >= 1, "the first batch's row");
        await harness.AppendAsync("clicks", Events(10, 10));
        await Infrastructure.Eventually.UntilAsync(() => output.Position.HeadOffset, head => head >= 3, "the second batch's pair");
        await first.StopAsync();
        Assert.Equal(2, catalog.Journal.Count);

        // The next run reads all twenty at once unless it replays the journal: it must re-produce the same three rows (skipped), then go on.
        var resumed = Run(compiled, input, output, catalog, telemetry, replay: catalog.Journal, skip: output.Position.HeadOffset);
        resumed.Start();
        await harness.AppendAsync("clicks", Events(20, 10));
        await Infrastructure.Eventually.UntilAsync(() => output.Position.HeadOffset, head => head >= 5 || resumed.State != QueryState.Running, "the resumed run's pair");
        await resumed.StopAsync();

        Assert.Null(resumed.Error);
        Assert.Equal(
            [
                """{"text":"e","n":10,"op":"+"}""", """{"text":"e","n":10,"op":"-"}""", """{"text":"e","n":20,"op":"+"}""",
                """{"text":"e","n":20,"op":"-"}""", """{"text":"e","n":30,"op":"+"}""",
            ],
            await harness.OutputTextsAsync("counts"));
    }

    private static QueryRun Run(CompiledQuery compiled, StreamLog input, StreamLog output, IQueryCatalog catalog, QueryTelemetry telemetry,
        IReadOnlyList<JournalEntry> replay, long skip) =>
        new("counts", compiled, [input], new InputOffsets([0]), output, batchSize: 1024, NullLogger.Instance, telemetry,
            new QueryDurability(catalog, "counts", QueryDurability.Journals(compiled), replay, skip, lastSequence: 0) { Resumed = skip > 0 });

    private static (long Id, string Text)[] Events(int from, int count) => Enumerable.Range(from, count).Select(i => ((long)i, "e")).ToArray();
}
