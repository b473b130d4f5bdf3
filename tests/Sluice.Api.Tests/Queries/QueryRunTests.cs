using System.Reactive.Linq;
using System.Text.Json;
using Sluice.Reactive.Runtime;
using Sluice.Reactive;

using Sluice.Api.Tests.Infrastructure;

namespace Sluice.Api.Tests.Queries;

/// <summary>The query runtime driven with hand-built pipelines: rows flow, batching, tail wake-up, isolation, lifecycle.</summary>
public sealed class QueryRunTests
{
    [Fact]
    public async Task Rows_flow_from_retained_and_new_input_events_to_the_output_stream()
    {
        await using var harness = new RuntimeHarness();
        await harness.CreateStreamAsync("clicks");
        await harness.AppendAsync("clicks", (1, "a"), (2, "b"));

        var query = await harness.RegisterAsync("copy", FakeQueries.PassThrough("clicks"));
        await RuntimeHarness.RowsOutAsync(query, 2);
        await harness.AppendAsync("clicks", (3, "c"));
        var run = await RuntimeHarness.RowsOutAsync(query, 3);

        Assert.Equal(
            ["""{"id":1,"text":"a"}""", """{"id":2,"text":"b"}""", """{"id":3,"text":"c"}"""],
            await harness.OutputTextsAsync("copy"));
        Assert.Equal(3, run.EventsIn);
        Assert.Equal(3, Assert.Single(run.Positions).Offset);
    }

    [Fact]
    public async Task A_reset_event_in_a_query_output_it_reads_is_a_marker_not_a_row_of_nulls()
    {
        await using var harness = new RuntimeHarness();
        // The output of a query replaced once (its writer gone, so the reader starts at the first event and meets the reset).
        await harness.Store.CreateAsync(new Sluice.Data.Streams.StreamDefinition("replaced", Sluice.Data.Streams.StorageKind.Memory, null, TimeSpan.Zero,
            Sluice.Data.Streams.StreamDefinition.DefaultCapacity, null, DateTimeOffset.UtcNow, OutputOf: "replaced"), CancellationToken.None);
        await harness.AppendAsync("replaced", (1, "old"));
        await harness.Store.Find("replaced")!.AppendAsync([new Sluice.Data.Streams.NewEvent(DateTimeOffset.UtcNow, OutputStreams.ResetData)], CancellationToken.None);
        await harness.AppendAsync("replaced", (2, "new"));

        var query = await harness.RegisterAsync("reader", FakeQueries.PassThrough("replaced"));
        var run = await RuntimeHarness.RowsOutAsync(query, 2);
        // A batch holding nothing but a reset moves the reader past it too.
        await harness.Store.Find("replaced")!.AppendAsync([new Sluice.Data.Streams.NewEvent(DateTimeOffset.UtcNow, OutputStreams.ResetData)], CancellationToken.None);
        await Eventually.UntilAsync(() => Task.FromResult(Assert.Single(run.Positions).Offset), offset => offset == 4, "the reader to pass the second reset");

        Assert.Equal(["""{"id":1,"text":"old"}""", """{"id":2,"text":"new"}"""], await harness.OutputTextsAsync("reader"));
        Assert.Equal(2, run.EventsIn);
    }

    [Fact]
    public async Task Output_events_carry_the_rows_event_time()
    {
        await using var harness = new RuntimeHarness();
        var input = await harness.CreateStreamAsync("timed");
        var at = new DateTimeOffset(2024, 5, 1, 12, 0, 0, 250, TimeSpan.Zero);
        await input.AppendAsync([new Sluice.Data.Streams.NewEvent(at, """{"id":1,"text":"a"}"""u8.ToArray())], CancellationToken.None);

        var query = await harness.RegisterAsync("timed_copy", FakeQueries.PassThrough("timed"));
        await RuntimeHarness.RowsOutAsync(query, 1);

        var stored = await harness.Store.ReadAsync("timed_copy", 0, 10, CancellationToken.None);
        Assert.Equal(at, Assert.Single(((Sluice.Data.Streams.ReadOutcome.Events)stored).Items).Timestamp);
    }

    [Fact]
    public async Task From_latest_skips_events_appended_before_registration()
    {
        await using var harness = new RuntimeHarness();
        await harness.CreateStreamAsync("clicks");
        await harness.AppendAsync("clicks", (1, "old"), (2, "old"));

        var query = await harness.RegisterAsync("recent", FakeQueries.PassThrough("clicks"), StartFrom.Latest);
        await harness.AppendAsync("clicks", (3, "new"));
        await RuntimeHarness.RowsOutAsync(query, 1);

        Assert.Equal(["""{"id":3,"text":"new"}"""], await harness.OutputTextsAsync("recent"));
    }

    [Fact]
    public async Task Rows_of_one_input_batch_are_appended_to_the_output_in_one_append()
    {
        var engine = new CountingEngine();
        await using var harness = new RuntimeHarness(batchSize: 2, engine: engine);
        await harness.CreateStreamAsync("clicks");
        await harness.AppendAsync("clicks", (1, "a"), (2, "b"), (3, "c"), (4, "d"), (5, "e"));

        var query = await harness.RegisterAsync("copy", FakeQueries.PassThrough("clicks"));
        await RuntimeHarness.RowsOutAsync(query, 5);

        Assert.Equal(3, engine.Logs["copy"].Appends);
    }

    [Fact]
    public async Task An_idle_query_waits_for_appends_instead_of_polling()
    {
        var engine = new CountingEngine();
        await using var harness = new RuntimeHarness(engine: engine);
        await harness.CreateStreamAsync("clicks");
        var query = await harness.RegisterAsync("copy", FakeQueries.PassThrough("clicks"));

        const int appends = 5;
        for (var i = 1; i <= appends; i++)
        {
            await harness.AppendAsync("clicks", (i, "x"));
            await RuntimeHarness.RowsOutAsync(query, i);
        }

        // Each wake-up reads the new events and then once more to find the input drained; a polling
        // loop would add empty reads for as long as the test waited between appends.
        Assert.InRange(engine.Logs["clicks"].EmptyReads, 0, appends + 1);
    }

    [Fact]
    public async Task A_faulting_query_stops_alone_while_others_and_ingest_carry_on()
    {
        await using var harness = new RuntimeHarness();
        await harness.CreateStreamAsync("clicks");
        var failing = await harness.RegisterAsync("failing", FakeQueries.FailingOn("clicks", poisonId: 2));
        var healthy = await harness.RegisterAsync("healthy", FakeQueries.PassThrough("clicks"));

        await harness.AppendAsync("clicks", (1, "a"), (2, "poison"), (3, "c"));
        var faulted = await Eventually.UntilAsync(() => failing.Run!, r => r.State != QueryState.Running, "the failing query to fault");
        await RuntimeHarness.RowsOutAsync(healthy, 3);
        await harness.AppendAsync("clicks", (4, "d"));
        await RuntimeHarness.RowsOutAsync(healthy, 4);

        Assert.Equal(QueryState.Faulted, faulted.State);
        Assert.Contains("division by zero at id 2", faulted.Error);
        Assert.True(faulted.Completion.IsCompleted);
        Assert.Equal(4, harness.Store.Find("clicks")!.Position.HeadOffset);
    }

    [Fact]
    public async Task An_exception_thrown_straight_out_of_a_push_faults_only_that_query()
    {
        await using var harness = new RuntimeHarness();
        await harness.CreateStreamAsync("clicks");
        var throwing = new CompiledQuery(
            "throwing", [new QueryInput("clicks", FakeQueries.IdAndText, TimeSpan.Zero)], FakeQueries.IdAndText, false, "Throw",
            (inputs, stats) => Observable.Create<OutputRow>(o => inputs[0].Subscribe(_ => throw new InvalidOperationException("operator bug"))));
        var query = await harness.RegisterAsync("throwing", throwing);

        await harness.AppendAsync("clicks", (1, "a"));
        var run = await Eventually.UntilAsync(() => query.Run!, r => r.State != QueryState.Running, "the query to fault");

        Assert.Equal(QueryState.Faulted, run.State);
        Assert.Equal("operator bug", run.Error);
    }

    [Fact]
    public async Task Stop_freezes_a_query_and_start_rebuilds_its_output_without_duplicates()
    {
        await using var harness = new RuntimeHarness();
        await harness.CreateStreamAsync("clicks");
        await harness.AppendAsync("clicks", (1, "a"), (2, "b"));
        var query = await harness.RegisterAsync("copy", FakeQueries.PassThrough("clicks"));
        var first = await RuntimeHarness.RowsOutAsync(query, 2);

        Assert.Equal(LifecycleOutcome.Done, (await harness.Registry.StopAsync("copy", CancellationToken.None)).Outcome);
        Assert.Equal(QueryState.Stopped, query.State);
        Assert.True(first.Completion.IsCompleted);
        await harness.AppendAsync("clicks", (3, "c"));
        Assert.Equal(2, first.RowsOut);
        Assert.Equal(2, harness.Store.Find("copy")!.Position.HeadOffset);

        Assert.Equal(LifecycleOutcome.Done, (await harness.Registry.StartAsync("copy", CancellationToken.None)).Outcome);
        await RuntimeHarness.RowsOutAsync(query, 3);

        Assert.NotSame(first, query.Run);
        Assert.Equal(
            ["""{"id":1,"text":"a"}""", """{"id":2,"text":"b"}""", """{"id":3,"text":"c"}"""],
            await harness.OutputTextsAsync("copy"));
    }

    [Fact]
    public async Task Start_restarts_a_faulted_query()
    {
        await using var harness = new RuntimeHarness();
        await harness.CreateStreamAsync("clicks");
        await harness.AppendAsync("clicks", (1, "a"));
        var poisonOnce = 0;
        var flaky = new CompiledQuery(
            "flaky", [new QueryInput("clicks", FakeQueries.IdAndText, TimeSpan.Zero)], FakeQueries.IdAndText, false, "Flaky",
            (inputs, stats) => inputs[0].Select(e => Interlocked.Increment(ref poisonOnce) == 1
                ? throw new InvalidOperationException("first run fails")
                : new OutputRow(e.Row, e.EventTime, ChangeOp.Insert)));
        var query = await harness.RegisterAsync("flaky", flaky);
        await Eventually.UntilAsync(() => query.State, s => s == QueryState.Faulted, "the first run to fault");

        await harness.Registry.StartAsync("flaky", CancellationToken.None);
        await RuntimeHarness.RowsOutAsync(query, 1);

        Assert.Null(query.Run!.Error);
    }

    [Fact]
    public async Task Delete_stops_the_query_and_drops_its_output_stream()
    {
        await using var harness = new RuntimeHarness();
        await harness.CreateStreamAsync("clicks");
        await harness.AppendAsync("clicks", (1, "a"));
        var query = await harness.RegisterAsync("copy", FakeQueries.PassThrough("clicks"));
        var run = await RuntimeHarness.RowsOutAsync(query, 1);
        Assert.Equal("copy", harness.Registry.FindDependent("clicks"));
        Assert.Equal("copy", harness.Registry.FindDependent("copy"));

        Assert.Equal(LifecycleOutcome.Done, (await harness.Registry.DeleteAsync("copy", CancellationToken.None)).Outcome);

        Assert.True(run.Completion.IsCompleted);
        Assert.Null(harness.Registry.Find("copy"));
        Assert.Null(harness.Store.Find("copy"));
        Assert.Null(harness.Registry.FindDependent("clicks"));
    }

    [Fact]
    public async Task A_query_reads_another_querys_output_and_protects_it()
    {
        await using var harness = new RuntimeHarness();
        await harness.CreateStreamAsync("clicks");
        var upstream = await harness.RegisterAsync("first", FakeQueries.PassThrough("clicks"));
        var downstream = await harness.RegisterAsync("second", FakeQueries.PassThrough("first"));

        await harness.AppendAsync("clicks", (1, "a"), (2, "b"));
        await RuntimeHarness.RowsOutAsync(upstream, 2);
        await RuntimeHarness.RowsOutAsync(downstream, 2);
        await harness.Registry.StopAsync("first", CancellationToken.None);

        var restart = await harness.Registry.StartAsync("first", CancellationToken.None);
        var delete = await harness.Registry.DeleteAsync("first", CancellationToken.None);

        Assert.Equal(LifecycleOutcome.Conflict, restart.Outcome);
        Assert.Contains("'second'", restart.Detail);
        Assert.Equal(LifecycleOutcome.Conflict, delete.Outcome);
        Assert.Equal(["""{"id":1,"text":"a"}""", """{"id":2,"text":"b"}"""], await harness.OutputTextsAsync("second"));
    }

    [Fact]
    public async Task Events_evicted_before_a_slow_query_reads_them_are_skipped_and_counted()
    {
        await using var harness = new RuntimeHarness();
        await harness.CreateStreamAsync("small", capacity: 4);
        await harness.AppendAsync("small", (0, "first"));
        using var entered = new ManualResetEventSlim();
        using var release = new ManualResetEventSlim();
        var gated = new CompiledQuery(
            "gated", [new QueryInput("small", FakeQueries.IdAndText, TimeSpan.Zero)], FakeQueries.IdAndText, false, "Gated",
            (inputs, stats) => inputs[0].Select(e =>
            {
                if ((long?)e.Row[0] == 0)
                {
                    entered.Set();
                    release.Wait(TimeSpan.FromSeconds(30));
                }
                return new OutputRow(e.Row, e.EventTime, ChangeOp.Insert);
            }));
        var query = await harness.RegisterAsync("slow", gated);
        Assert.True(entered.Wait(TimeSpan.FromSeconds(15)), "the query never pushed its first event");

        await harness.AppendAsync("small", Enumerable.Range(1, 10).Select(i => ((long)i, "later")).ToArray());
        release.Set();
        var run = await RuntimeHarness.RowsOutAsync(query, 5);

        Assert.Equal(6, run.SkippedEvents);
        Assert.Equal(11, Assert.Single(run.Positions).Offset);
        var ids = (await harness.OutputTextsAsync("slow")).Select(t => JsonDocument.Parse(t).RootElement.GetProperty("id").GetInt64());
        Assert.Equal([0L, 7, 8, 9, 10], ids);
    }

    [Fact]
    public async Task Two_inputs_are_read_in_turn_and_pushed_from_one_thread_at_a_time()
    {
        await using var harness = new RuntimeHarness(batchSize: 8);
        await harness.CreateStreamAsync("left");
        await harness.CreateStreamAsync("right");
        var maxInside = 0;
        var query = await harness.RegisterAsync("both", FakeQueries.ConcurrencyProbe("left", "right", n =>
        {
            int seen;
            while (n > (seen = Volatile.Read(ref maxInside)) && Interlocked.CompareExchange(ref maxInside, n, seen) != seen)
            {
            }
        }));

        var writers = Enumerable.Range(0, 8).Select(w => Task.Run(async () =>
        {
            for (var i = 0; i < 25; i++)
            {
                await harness.AppendAsync(w % 2 == 0 ? "left" : "right", (w * 100 + i, "x"), (w * 100 + i, "y"));
            }
        }));
        await Task.WhenAll(writers);
        var run = await RuntimeHarness.RowsOutAsync(query, 400);

        Assert.Equal(1, maxInside);
        Assert.Equal([200L, 200L], run.Positions.Select(p => p.Offset));
    }

    [Fact]
    public async Task A_backlog_on_two_inputs_is_read_in_alternating_batches()
    {
        await using var harness = new RuntimeHarness(batchSize: 4);
        await harness.CreateStreamAsync("left");
        await harness.CreateStreamAsync("right");
        await harness.AppendAsync("left", Enumerable.Range(0, 6).Select(i => ((long)i, "L")).ToArray());
        await harness.AppendAsync("right", Enumerable.Range(0, 6).Select(i => ((long)i, "R")).ToArray());

        var query = await harness.RegisterAsync("both", FakeQueries.Union("left", "right"));
        await RuntimeHarness.RowsOutAsync(query, 12);

        // Batch size 4 over two inputs is 2 events per input per turn.
        var sides = string.Concat((await harness.OutputTextsAsync("both")).Select(t => JsonDocument.Parse(t).RootElement.GetProperty("text").GetString()));
        Assert.Equal("LLRRLLRRLLRR", sides);
    }

    [Fact]
    public async Task An_updating_query_keeps_its_current_result_table()
    {
        await using var harness = new RuntimeHarness();
        await harness.CreateStreamAsync("words");
        await harness.AppendAsync("words", (1, "a"), (2, "b"), (3, "a"));

        var query = await harness.RegisterAsync("counts", FakeQueries.CountByText("words"));
        var run = await RuntimeHarness.RowsOutAsync(query, 4);

        var (rows, total) = run.Results!.Snapshot(100);
        Assert.Equal(2, total);
        Assert.Equal(["a:2", "b:1"], rows.Select(r => $"{r[0]}:{r[1]}").Order());
        Assert.Equal(
            ["""{"text":"a","n":1,"op":"+"}""", """{"text":"b","n":1,"op":"+"}""", """{"text":"a","n":1,"op":"-"}""", """{"text":"a","n":2,"op":"+"}"""],
            await harness.OutputTextsAsync("counts"));
        Assert.Equal(2, run.Stats.StateSize);
        Assert.Equal(0, run.Results.UnmatchedRetractions);
    }

    [Fact]
    public async Task Deleting_an_input_under_a_running_query_faults_it_with_the_reason()
    {
        await using var harness = new RuntimeHarness();
        await harness.CreateStreamAsync("clicks");
        var query = await harness.RegisterAsync("copy", FakeQueries.PassThrough("clicks"));

        await harness.Store.DeleteAsync("clicks", CancellationToken.None);
        var run = await Eventually.UntilAsync(() => query.Run!, r => r.State != QueryState.Running, "the query to notice");

        Assert.Equal(QueryState.Faulted, run.State);
        Assert.Equal("Input stream 'clicks' was deleted.", run.Error);
    }

    [Fact]
    public async Task Registration_is_refused_when_the_name_is_taken_by_a_stream_or_a_query()
    {
        await using var harness = new RuntimeHarness();
        await harness.CreateStreamAsync("clicks");
        await harness.RegisterAsync("copy", FakeQueries.PassThrough("clicks"));

        var sameAsQuery = await harness.Registry.RegisterAsync("copy", FakeQueries.PassThrough("clicks"), StartFrom.Earliest, CancellationToken.None);
        var sameAsStream = await harness.Registry.RegisterAsync("clicks", FakeQueries.PassThrough("clicks"), StartFrom.Earliest, CancellationToken.None);

        Assert.Equal(LifecycleOutcome.Conflict, sameAsQuery.Outcome);
        Assert.Equal(LifecycleOutcome.Conflict, sameAsStream.Outcome);
        Assert.Single(harness.Registry.List());
    }

    [Fact]
    public async Task Latency_percentiles_are_reported_once_events_flowed()
    {
        await using var harness = new RuntimeHarness();
        await harness.CreateStreamAsync("clicks");
        await harness.AppendAsync("clicks", (1, "a"), (2, "b"));
        var query = await harness.RegisterAsync("copy", FakeQueries.PassThrough("clicks"));
        var run = await RuntimeHarness.RowsOutAsync(query, 2);

        foreach (var histogram in new[] { run.ReadLatency, run.ProcessLatency, run.WriteLatency })
        {
            var p50 = histogram.Percentile(0.5);
            var p99 = histogram.Percentile(0.99);
            Assert.NotNull(p50);
            Assert.True(p50 <= p99);
        }
    }

    [Fact]
    public async Task A_pipeline_that_fails_before_any_event_is_faulted_at_once()
    {
        await using var harness = new RuntimeHarness();
        await harness.CreateStreamAsync("clicks");
        var broken = new CompiledQuery(
            "broken", [new QueryInput("clicks", FakeQueries.IdAndText, TimeSpan.Zero)], FakeQueries.IdAndText, false, "Broken",
            (inputs, stats) => Observable.Throw<OutputRow>(new InvalidOperationException("cannot start")));

        var query = await harness.RegisterAsync("broken", broken);
        var run = await Eventually.UntilAsync(() => query.Run!, r => r.State != QueryState.Running, "the query to fault");

        Assert.Equal("cannot start", run.Error);
    }
}
