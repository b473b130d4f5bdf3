using Sluice.Api.Tests.Infrastructure;
using Sluice.Reactive;
using Sluice.Reactive.Runtime;

namespace Sluice.Api.Tests.Queries;

/// <summary>
/// Issue 9: a cross join with large state materialised its whole output for one input batch (102M rows for 1,024
/// events, then OutOfMemory). Output is now appended in chunks of at most about <see cref="QueryRun.OutputChunkRows"/>.
/// </summary>
public sealed class JoinOutputChunkingTests
{
    [Fact]
    public async Task A_cross_join_fanning_out_appends_its_output_in_bounded_chunks_and_loses_no_row()
    {
        const int leftRows = 2_000, rightRows = 100;
        var engine = new CountingEngine();
        await using var harness = new RuntimeHarness(batchSize: 1024, engine: engine);
        await harness.CreateStreamAsync("lefts");
        await harness.CreateStreamAsync("rights");
        await harness.AppendAsync("lefts", Enumerable.Range(0, leftRows).Select(i => ((long)i, "l")).ToArray());
        await harness.AppendAsync("rights", Enumerable.Range(0, rightRows).Select(i => ((long)i, "r")).ToArray());

        var compiled = QueryCompiler.Compile("SELECT lefts.id AS l, rights.id AS r FROM lefts CROSS JOIN rights", new StoreStreamShapes(harness.Store));
        var query = await harness.RegisterAsync("pairs", compiled);
        await RuntimeHarness.RowsOutAsync(query, leftRows * rightRows);

        // Each right event meets every stored left row (or each left event every right row): 100 events alone produce
        // 200,000 rows, which used to be appended as one batch.
        var output = engine.Logs["pairs"];
        Assert.InRange(output.LargestAppend, 1, QueryRun.OutputChunkRows + leftRows);
        Assert.True(output.Appends >= leftRows * rightRows / (QueryRun.OutputChunkRows + leftRows), $"only {output.Appends} appends");
    }

    [Fact]
    public async Task One_event_meeting_a_hundred_thousand_stored_rows_is_appended_as_it_fans_out_not_materialised_first()
    {
        // Issue 9: chunking between events left one event's fan-out whole, bounded only by Limits:QueryStateRows.
        const int stored = 100_000;
        var engine = new CountingEngine();
        await using var harness = new RuntimeHarness(batchSize: 1024, engine: engine);
        await harness.CreateStreamAsync("lefts", capacity: stored);
        await harness.CreateStreamAsync("rights");
        for (var from = 0; from < stored; from += 10_000)
        {
            await harness.AppendAsync("lefts", Enumerable.Range(from, 10_000).Select(i => ((long)i, "l")).ToArray());
        }
        var compiled = QueryCompiler.Compile("SELECT lefts.id AS l, rights.id AS r FROM lefts CROSS JOIN rights", new StoreStreamShapes(harness.Store));
        var query = await harness.RegisterAsync("pairs", compiled);
        await Eventually.UntilAsync(() => query.Run!, r => r.EventsIn == stored || r.State != QueryState.Running, "the join to store every left row");

        await harness.AppendAsync("rights", (0L, "r"));
        await RuntimeHarness.RowsOutAsync(query, stored);

        // The event's rows went out as they came: the run never held twice a chunk (before: one append of 100,000).
        var output = engine.Logs["pairs"];
        Assert.InRange(output.LargestAppend, 1, 2 * QueryRun.OutputChunkRows);
        Assert.True(output.Appends >= stored / (2 * QueryRun.OutputChunkRows), $"only {output.Appends} appends");
        var texts = await harness.OutputTextsAsync("pairs");
        Assert.Equal(stored, texts.Distinct().Count());
    }
}
