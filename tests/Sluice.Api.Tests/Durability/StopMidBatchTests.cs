using System.Diagnostics.Metrics;
using System.Text;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Sluice.Api.Tests.Queries;
using Sluice.Data.Queries;
using Sluice.Data.Streams;
using Sluice.Reactive;
using Sluice.Reactive.Runtime;
using Sluice.Reactive.Runtime.Checkpoints;

namespace Sluice.Api.Tests.Durability;

/// <summary>
/// A graceful stop that lands while a batch's rows are being appended (issue 11: the cluster's graceful hand-over repeated
/// output rows). The stop cancels the driver; the append completes (it is never abandoned half-way), but the batch's input
/// offsets did not move. The final checkpoint must not pair those offsets with the output head that already holds the
/// batch's rows, or the next host, resuming from it, appends the batch's rows a second time.
/// </summary>
public sealed class StopMidBatchTests
{
    private const int BatchSize = 10;

    [Fact]
    public async Task A_stop_during_an_append_leaves_no_checkpoint_that_would_make_the_next_run_repeat_the_batch()
    {
        await using var harness = new RuntimeHarness();
        using var services = new ServiceCollection().AddMetrics().BuildServiceProvider();
        var telemetry = new QueryTelemetry(services.GetRequiredService<IMeterFactory>());
        await harness.CreateStreamAsync("clicks");
        await harness.AppendAsync("clicks", Events(0, 2 * BatchSize));
        var compiled = QueryCompiler.Compile("SELECT id FROM clicks", new StoreStreamShapes(harness.Store));
        var input = harness.Store.Find("clicks")!;
        var output = new GatedOutput();
        var catalog = new RecordingQueryCatalog();

        // The first run appends its first batch freely; its second append waits at the gate, and the stop comes then.
        output.HoldAppendNumber(2);
        var first = Run(compiled, input, output, catalog, telemetry, start: 0, checkpoint: null, skip: 0);
        first.Start();
        await output.Held.WaitAsync(TimeSpan.FromSeconds(15));
        var stopping = first.StopAsync();
        output.Release();
        await stopping.WaitAsync(TimeSpan.FromSeconds(15));
        Assert.Equal(2 * BatchSize, output.Head);

        // Every checkpoint must pair input offsets with the output head their rows lead to (one row per event here).
        Assert.All(catalog.Saved, c => Assert.Equal(c.InputOffsets[0], c.OutputHead));

        // The next host resumes as QueryRecovery does: from the last checkpoint (or the start), skipping the rows the output holds beyond it.
        var saved = catalog.Saved;
        var last = saved.Count > 0 ? saved[^1] : null;
        var resumed = Run(compiled, input, output, catalog, telemetry, start: last?.InputOffsets[0] ?? 0, checkpoint: last, skip: output.Head - (last?.OutputHead ?? 0));
        resumed.Start();
        await harness.AppendAsync("clicks", Events(2 * BatchSize, BatchSize));
        await Infrastructure.Eventually.UntilAsync(() => output.Head, head => head >= 3 * BatchSize || resumed.State != QueryState.Running, "the resumed run to catch up");
        await resumed.StopAsync();

        Assert.Null(resumed.Error);
        Assert.Equal(Enumerable.Range(0, 3 * BatchSize).Select(i => (long)i), output.Ids());
    }

    private static QueryRun Run(CompiledQuery compiled, StreamLog input, StreamLog output, IQueryCatalog catalog, QueryTelemetry telemetry, long start,
        StoredCheckpoint? checkpoint, long skip) =>
        new("copy", compiled, [input], new InputOffsets([start]), output, BatchSize, NullLogger.Instance, telemetry,
            new QueryDurability(catalog, "copy", journaled: false, [], skip, lastSequence: checkpoint?.JournalSequence ?? 0)
            {
                // Periodic checkpoints far apart: only the first (immediate) one and the final one of a stop are taken.
                Checkpointer = new QueryCheckpointer(catalog, "copy", TimeSpan.FromHours(1), TimeProvider.System, NullLogger.Instance),
                Restore = checkpoint,
                Resumed = checkpoint is not null || skip > 0,
            });

    private static (long Id, string Text)[] Events(int from, int count) => Enumerable.Range(from, count).Select(i => ((long)i, "e")).ToArray();

    /// <summary>An output stream in memory whose n-th append can be held at a gate until the test releases it.</summary>
    private sealed class GatedOutput() : StreamLog(new StreamDefinition("copy", StorageKind.Memory, null, TimeSpan.Zero, null, null, DateTimeOffset.UtcNow, OutputOf: "copy"))
    {
        private readonly List<byte[]> rows = [];
        private readonly TaskCompletionSource release = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private int appends;
        private int holdAt;

        public SemaphoreSlim Held { get; } = new(0);

        public long Head
        {
            get
            {
                lock (rows)
                {
                    return rows.Count;
                }
            }
        }

        public override LogPosition Position => new(Head, 0);

        public void HoldAppendNumber(int n) => holdAt = n;

        public void Release() => release.TrySetResult();

        public long[] Ids()
        {
            lock (rows)
            {
                return rows.Select(r => System.Text.Json.JsonDocument.Parse(r).RootElement.GetProperty("id").GetInt64()).ToArray();
            }
        }

        public override async ValueTask<AppendResult> AppendAsync(IReadOnlyList<NewEvent> events, CancellationToken cancellationToken)
        {
            if (Interlocked.Increment(ref appends) == holdAt)
            {
                Held.Release();
                await release.Task;
            }
            lock (rows)
            {
                var first = rows.Count;
                rows.AddRange(events.Select(e => e.Data.ToArray()));
                return new AppendResult(first, rows.Count - 1, events.Count);
            }
        }

        public override ValueTask<ReadOutcome> ReadAsync(long from, int limit, CancellationToken cancellationToken) =>
            throw new NotSupportedException("Only the test reads this output, through Ids().");
    }
}
