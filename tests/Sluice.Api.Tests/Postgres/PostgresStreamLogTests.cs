using System.Text;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using Sluice.Data;
using Sluice.Data.Streams;

namespace Sluice.Api.Tests.Postgres;

/// <summary>The postgres engine below HTTP: offsets, the tail, and recovery of the head.</summary>
[Collection(PostgresCollection.Name)]
public sealed class PostgresStreamLogTests(PostgresServer server) : IAsyncLifetime
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);
    private ServiceProvider services = null!;
    private string database = "";

    private IStreamEngine Engine => services.GetServices<IStreamEngine>().Single(e => e.Kind == StorageKind.Postgres);

    public async Task InitializeAsync()
    {
        database = await server.DatabaseForAsync(nameof(PostgresStreamLogTests));
        services = new ServiceCollection().AddStreamStore(database).BuildServiceProvider();
        await services.PreparePostgresAsync(CancellationToken.None);
    }

    public async Task DisposeAsync() => await services.DisposeAsync();

    [Fact]
    public async Task Tail_reader_sees_every_offset_in_order_while_appenders_race()
    {
        const int writers = 8, appendsEach = 25, perAppend = 7;
        const int total = writers * appendsEach * perAppend;
        var log = await Engine.CreateAsync(Definition("raced"), CancellationToken.None);
        using var timeout = new CancellationTokenSource(Patience);

        var reader = Task.Run(async () =>
        {
            var seen = new List<StoredEvent>();
            var next = 0L;
            while (next < total)
            {
                await log.WaitForOffsetAsync(next, timeout.Token);
                var outcome = Assert.IsType<ReadOutcome.Events>(await log.ReadAsync(next, 50, timeout.Token));
                foreach (var e in outcome.Items)
                {
                    Assert.Equal(next, e.Offset);
                    seen.Add(e);
                    next++;
                }
            }
            return seen;
        });
        var appenders = Enumerable.Range(0, writers).Select(w => Task.Run(async () =>
        {
            for (var a = 0; a < appendsEach; a++)
            {
                var batch = Enumerable.Range(0, perAppend).Select(i => Event($$"""{"w":{{w}},"a":{{a}},"i":{{i}}}""")).ToList();
                await log.AppendAsync(batch, timeout.Token);
            }
        })).ToList();
        await Task.WhenAll(appenders);
        var seen = await reader;

        Assert.Equal(total, seen.Count);
        Assert.Equal(total, seen.Select(e => Encoding.UTF8.GetString(e.Data.Span)).Distinct().Count());
        Assert.Equal(total, log.Position.HeadOffset);
    }

    [Fact]
    public async Task A_changelog_op_stays_beside_the_data_in_the_tail_and_the_table_holds_the_data_as_the_api_shows_it()
    {
        var log = await Engine.CreateAsync(Definition("changes"), CancellationToken.None);
        await log.AppendAsync([Event("""{"k":"a","n":1}""") with { Op = EventOp.Insert }, Event("{}") with { Op = EventOp.Reset }, Event("""{"plain":true}""")],
            CancellationToken.None);

        var tail = Assert.IsType<CursorRead.Events>(await log.OpenCursor(0).ReadAsync(10, CancellationToken.None)).Entries.Select(e => e.Event).ToList();
        var table = Assert.IsType<ReadOutcome.Events>(await log.ReadAsync(0, 10, CancellationToken.None)).Items;

        Assert.Equal([EventOp.Insert, EventOp.Reset, EventOp.None], tail.Select(e => e.Op));
        Assert.Equal(["""{"k":"a","n":1}""", "{}", """{"plain":true}"""], tail.Select(e => Encoding.UTF8.GetString(e.Data.Span)));
        // A read from the table has the op inside the data, so both read paths show the same data.
        Assert.Equal(["""{"k":"a","n":1,"op":"+"}""", """{"op":"reset"}""", """{"plain":true}"""], table.Select(e => Encoding.UTF8.GetString(e.Data.Span)));
        Assert.Equal(table.Select(e => Encoding.UTF8.GetString(e.WireData().Span)), tail.Select(e => Encoding.UTF8.GetString(e.WireData().Span)));
    }

    [Fact]
    public async Task Opening_a_stream_reads_its_head_back_from_the_table()
    {
        var definition = Definition("reopened");
        var log = await Engine.CreateAsync(definition, CancellationToken.None);
        await log.AppendAsync([Event("""{"n":1}"""), Event("""{"n":2}"""), Event("""{"n":3}""")], CancellationToken.None);

        var reopened = await Engine.OpenAsync(definition, CancellationToken.None);

        Assert.Equal(new LogPosition(3, 0), reopened.Position);
        var appended = await reopened.AppendAsync([Event("""{"n":4}""")], CancellationToken.None);
        Assert.Equal(3, appended.FirstOffset);
    }

    [Fact]
    public async Task Failed_append_advances_nothing_and_the_next_append_takes_the_next_offset()
    {
        var log = await Engine.CreateAsync(Definition("flaky"), CancellationToken.None);
        await log.AppendAsync([Event("""{"n":0}""")], CancellationToken.None);
        var waiting = log.WaitForOffsetAsync(1, CancellationToken.None).AsTask();

        await ExecuteAsync("""
            CREATE FUNCTION pg_temp_reject() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'disk on fire'; END $$;
            CREATE TRIGGER refuse BEFORE INSERT ON sluice_events.flaky FOR EACH STATEMENT EXECUTE FUNCTION pg_temp_reject();
            """);
        await Assert.ThrowsAsync<PostgresException>(async () => await log.AppendAsync([Event("""{"n":1}""")], CancellationToken.None));
        Assert.Equal(1, log.Position.HeadOffset);
        Assert.False(waiting.IsCompleted);

        await ExecuteAsync("DROP TRIGGER refuse ON sluice_events.flaky; DROP FUNCTION pg_temp_reject();");
        var appended = await log.AppendAsync([Event("""{"n":2}""")], CancellationToken.None);

        Assert.Equal(1, appended.FirstOffset);
        await waiting.WaitAsync(Patience);
        var events = Assert.IsType<ReadOutcome.Events>(await log.ReadAsync(0, 10, CancellationToken.None)).Items;
        Assert.Equal([0, 2], events.Select(e => JsonDocument.Parse(e.Data).RootElement.GetProperty("n").GetInt32()));
    }

    [Fact]
    public async Task Payload_bytes_come_back_exactly_as_appended()
    {
        var log = await Engine.CreateAsync(Definition("verbatim"), CancellationToken.None);
        const string payload = """{"z":1,"a":{"y":[1.50,"\u0000"],"x":null},"z2":"é"}""";

        await log.AppendAsync([Event(payload)], CancellationToken.None);

        var stored = Assert.Single(Assert.IsType<ReadOutcome.Events>(await log.ReadAsync(0, 10, CancellationToken.None)).Items);
        Assert.Equal(payload, Encoding.UTF8.GetString(stored.Data.Span));
    }

    [Fact]
    public async Task A_table_created_with_a_json_payload_column_keeps_taking_and_returning_payloads()
    {
        // The DDL of event tables before payloads were stored as text.
        await ExecuteAsync("""
            CREATE TABLE sluice_events.older ("offset" bigint PRIMARY KEY, event_time timestamptz NOT NULL, ingested_at timestamptz NOT NULL, data json NOT NULL);
            INSERT INTO sluice_events.older VALUES (0, now(), now(), '{"n":0}');
            """);
        var log = await Engine.OpenAsync(Definition("older"), CancellationToken.None);
        const string payload = """{"n":1,"s":"é\u0000"}""";

        var appended = await log.AppendAsync([Event(payload)], CancellationToken.None);

        Assert.Equal(1, appended.FirstOffset);
        var events = Assert.IsType<ReadOutcome.Events>(await log.ReadAsync(0, 10, CancellationToken.None)).Items;
        Assert.Equal(["""{"n":0}""", payload], events.Select(e => Encoding.UTF8.GetString(e.Data.Span)));
        Assert.Equal("json", await ScalarAsync<string>("SELECT data_type FROM information_schema.columns WHERE table_schema = 'sluice_events' AND table_name = 'older' AND column_name = 'data'"));
    }

    [Fact]
    public async Task A_new_stream_stores_payloads_as_text_that_sql_reads_as_json()
    {
        var log = await Engine.CreateAsync(Definition("textual"), CancellationToken.None);
        await log.AppendAsync([Event("""{"item":{"price":42}}""")], CancellationToken.None);

        Assert.Equal("text", await ScalarAsync<string>("SELECT data_type FROM information_schema.columns WHERE table_schema = 'sluice_events' AND table_name = 'textual' AND column_name = 'data'"));
        Assert.Equal("42", await ScalarAsync<string>("SELECT data::json->'item'->>'price' FROM sluice_events.textual"));
    }

    [Fact]
    public async Task Concurrent_appends_each_get_their_own_contiguous_range()
    {
        var log = await Engine.CreateAsync(Definition("grouped"), CancellationToken.None);
        var results = await Task.WhenAll(Enumerable.Range(0, 40).Select(r => Task.Run(async () =>
        {
            var batch = Enumerable.Range(0, 1 + r % 5).Select(i => Event($$"""{"r":{{r}},"i":{{i}}}""")).ToList();
            return (Request: r, Result: await log.AppendAsync(batch, CancellationToken.None));
        })));

        var total = results.Sum(x => x.Result.Count);
        var events = Assert.IsType<ReadOutcome.Events>(await log.ReadAsync(0, total, CancellationToken.None)).Items;
        Assert.Equal(Enumerable.Range(0, total).Select(i => (long)i), events.Select(e => e.Offset));
        foreach (var (request, result) in results)
        {
            Assert.Equal(1 + request % 5, result.Count);
            for (var offset = result.FirstOffset; offset <= result.LastOffset; offset++)
            {
                var data = JsonDocument.Parse(events[(int)offset].Data).RootElement;
                Assert.Equal((request, (int)(offset - result.FirstOffset)), (data.GetProperty("r").GetInt32(), data.GetProperty("i").GetInt32()));
            }
        }
    }

    [Fact]
    public async Task Concurrent_appends_with_three_groups_in_flight_each_get_their_own_contiguous_range_and_commit_in_order()
    {
        // One group in flight is the default; the pipelined setting (Streams:PostgresGroupsInFlight) keeps its own test.
        var pipelinedDatabase = await server.DatabaseForAsync(nameof(PostgresStreamLogTests) + "_pipelined");
        await using var pipelined = new ServiceCollection().AddStreamStore(pipelinedDatabase, postgresGroupsInFlight: 3).BuildServiceProvider();
        await pipelined.PreparePostgresAsync(CancellationToken.None);
        var engine = pipelined.GetServices<IStreamEngine>().Single(e => e.Kind == StorageKind.Postgres);
        var log = await engine.CreateAsync(Definition("pipelined"), CancellationToken.None);
        using var timeout = new CancellationTokenSource(Patience);
        var watcher = Task.Run(async () =>
        {
            var head = 0L;
            while (head < 200)
            {
                await log.WaitForOffsetAsync(head, timeout.Token);
                head = log.Position.HeadOffset;
                // Commits land in offset order, so the table is always a prefix, and the head never runs ahead of it.
                var (rows, next) = await PrefixAsync(pipelinedDatabase, "pipelined");
                Assert.Equal(rows, next);
                Assert.True(rows >= head, $"head {head} is ahead of the {rows} rows committed");
            }
        });
        var results = await Task.WhenAll(Enumerable.Range(0, 40).Select(r => Task.Run(async () =>
        {
            var batch = Enumerable.Range(0, 5).Select(i => Event($$"""{"r":{{r}},"i":{{i}}}""")).ToList();
            return (Request: r, Result: await log.AppendAsync(batch, timeout.Token));
        })));
        await watcher.WaitAsync(Patience);

        var events = Assert.IsType<ReadOutcome.Events>(await log.ReadAsync(0, 200, CancellationToken.None)).Items;
        Assert.Equal(Enumerable.Range(0, 200).Select(i => (long)i), events.Select(e => e.Offset));
        foreach (var (request, result) in results)
        {
            for (var offset = result.FirstOffset; offset <= result.LastOffset; offset++)
            {
                var data = JsonDocument.Parse(events[(int)offset].Data).RootElement;
                Assert.Equal((request, (int)(offset - result.FirstOffset)), (data.GetProperty("r").GetInt32(), data.GetProperty("i").GetInt32()));
            }
        }
    }

    [Fact]
    public async Task Append_cancelled_while_queued_is_never_written_and_leaves_no_gap()
    {
        var log = await Engine.CreateAsync(Definition("queued"), CancellationToken.None);
        await using var blocker = new NpgsqlConnection(database);
        await blocker.OpenAsync();
        await using var transaction = await blocker.BeginTransactionAsync();
        await using (var lockTable = new NpgsqlCommand("LOCK TABLE sluice_events.queued IN ACCESS EXCLUSIVE MODE", blocker, transaction))
        {
            await lockTable.ExecuteNonQueryAsync();
        }

        // The first append takes the stream's lock and blocks in COPY; the next two queue behind it.
        var first = log.AppendAsync([Event("""{"n":"first"}""")], CancellationToken.None).AsTask();
        await WaitUntilAsync(async () => await ScalarAsync<long>("SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND query LIKE 'COPY%'") == 1);
        using var giveUp = new CancellationTokenSource();
        var cancelled = log.AppendAsync([Event("""{"n":"cancelled"}""")], giveUp.Token).AsTask();
        var queued = log.AppendAsync([Event("""{"n":"queued"}"""), Event("""{"n":"queued too"}""")], CancellationToken.None).AsTask();
        giveUp.Cancel();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => cancelled);
        await transaction.RollbackAsync();

        Assert.Equal(0, (await first).FirstOffset);
        Assert.Equal(1, (await queued).FirstOffset);
        var events = Assert.IsType<ReadOutcome.Events>(await log.ReadAsync(0, 10, CancellationToken.None)).Items;
        Assert.Equal(["first", "queued", "queued too"], events.Select(e => JsonDocument.Parse(e.Data).RootElement.GetProperty("n").GetString()));
        Assert.Equal(3, log.Position.HeadOffset);
    }

    [Fact]
    public async Task Dropping_a_stream_removes_its_table()
    {
        var log = await Engine.CreateAsync(Definition("dropped"), CancellationToken.None);
        await log.AppendAsync([Event("""{"n":1}""")], CancellationToken.None);

        await Engine.DropAsync(log, CancellationToken.None);

        await using var connection = new NpgsqlConnection(database);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT to_regclass('sluice_events.dropped') IS NULL", connection);
        Assert.Equal(true, await command.ExecuteScalarAsync());
    }

    /// <summary>The rows of a stream's table, and one past its largest offset.</summary>
    private static async Task<(long Rows, long Next)> PrefixAsync(string connectionString, string stream)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand($"SELECT count(*), COALESCE(max(\"offset\") + 1, 0) FROM sluice_events.\"{stream}\"", connection);
        await using var reader = await command.ExecuteReaderAsync();
        await reader.ReadAsync();
        return (reader.GetInt64(0), reader.GetInt64(1));
    }

    private async Task<T> ScalarAsync<T>(string sql)
    {
        await using var connection = new NpgsqlConnection(database);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        return (T)(await command.ExecuteScalarAsync())!;
    }

    private static Task WaitUntilAsync(Func<Task<bool>> condition) =>
        Infrastructure.Eventually.UntilAsync(condition, done => done, "the database to reach the expected state", Patience);

    private async Task ExecuteAsync(string sql)
    {
        await using var connection = new NpgsqlConnection(database);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }

    private static StreamDefinition Definition(string name) =>
        new(name, StorageKind.Postgres, null, TimeSpan.Zero, null, null, DateTimeOffset.UtcNow);

    private static NewEvent Event(string json) => new(DateTimeOffset.UtcNow, Encoding.UTF8.GetBytes(json));
}
