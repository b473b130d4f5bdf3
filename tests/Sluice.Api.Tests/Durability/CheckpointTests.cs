using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using Sluice.Api.Tests.Infrastructure;
using Sluice.Api.Tests.Postgres;
using Sluice.Reactive.Runtime;
using Sluice.Reactive.Runtime.Checkpoints;

namespace Sluice.Api.Tests.Durability;

/// <summary>Checkpoints of durable queries: taken in the background and on a graceful stop, resumed from, versioned.</summary>
[Collection(PostgresCollection.Name)]
public sealed class CheckpointTests(PostgresServer server)
{
    private static readonly Dictionary<string, string?> FastCheckpoints = new() { ["Queries:CheckpointInterval"] = "50ms" };

    [Fact]
    public async Task A_stateless_query_resumes_from_its_checkpoint_instead_of_rereading_its_input()
    {
        var database = await server.CreateDatabaseAsync(nameof(A_stateless_query_resumes_from_its_checkpoint_instead_of_rereading_its_input));
        await using (var first = new SluiceApp(database, FastCheckpoints))
        {
            await first.CreateStreamOrFailAsync(new { name = "a", storage = "postgres", schema = new { k = "bigint", v = "bigint" } });
            await DurableQueriesTests.RegisterAsync(first, "kept", "SELECT k FROM a WHERE v > 0");
            using var appended = await first.AppendAsync("a", string.Join('\n', Enumerable.Range(0, 100).Select(i => $$"""{"k":{{i}},"v":{{i % 2}}}""")), "application/x-ndjson");
            await Eventually.UntilAsync(() => CheckpointAsync(database), c => c.Offset == 100, "a checkpoint at offset 100");
        }

        await using var second = new SluiceApp(database, FastCheckpoints);
        using var client = second.CreateClient();
        using var more = await second.AppendAsync("a", """{"k":100,"v":1}""");
        var query = await Eventually.UntilAsync(
            () => client.GetFromJsonAsync<JsonElement>("/api/queries/kept"),
            // Both counters: the metrics read them one after the other, so a snapshot taken while the row passes
            // can show the row out before the event in.
            q => q.GetProperty("metrics").GetProperty("rowsOut").GetInt64() == 1 && q.GetProperty("metrics").GetProperty("eventsIn").GetInt64() > 0,
            "the new row out of the resumed query");
        // Resumed at offset 100: this run read one event, not 101.
        Assert.Equal(1, query.GetProperty("metrics").GetProperty("eventsIn").GetInt64());
        var keys = (await second.ReadAsync("kept")).GetProperty("events").EnumerateArray().Select(e => e.GetProperty("data").GetProperty("k").GetInt64());
        Assert.Equal(Enumerable.Range(0, 100).Where(i => i % 2 == 1).Select(i => (long)i).Append(100), keys);
    }

    [Fact]
    public async Task A_stateful_query_restores_its_groups_from_its_checkpoint_instead_of_rebuilding_them()
    {
        var database = await server.CreateDatabaseAsync(nameof(A_stateful_query_restores_its_groups_from_its_checkpoint_instead_of_rebuilding_them));
        await using (var first = new SluiceApp(database, FastCheckpoints))
        {
            await first.CreateStreamOrFailAsync(new { name = "a", storage = "postgres", schema = new { k = "text", v = "bigint" } });
            await DurableQueriesTests.RegisterAsync(first, "kept", "SELECT k, COUNT(*) AS n, SUM(v) AS s FROM a GROUP BY k");
            using var appended = await first.AppendAsync("a", string.Join('\n', Enumerable.Range(0, 100).Select(i => $$"""{"k":"k{{i % 5}}","v":{{i}}}""")), "application/x-ndjson");
            await Eventually.UntilAsync(() => CheckpointAsync(database), c => c.Offset == 100, "a checkpoint at offset 100");
        }

        await using var second = new SluiceApp(database, FastCheckpoints);
        using var client = second.CreateClient();
        var recovery = (await client.GetFromJsonAsync<JsonElement>("/api/queries/kept")).GetProperty("recovery");
        Assert.True(recovery.GetProperty("fromCheckpoint").GetBoolean(), recovery.ToString());
        Assert.Equal(5, recovery.GetProperty("restoredStateEntries").GetInt64());
        Assert.Equal([100L], recovery.GetProperty("offsets").EnumerateArray().Select(o => o.GetInt64()));
        Assert.Equal(0, recovery.GetProperty("journalBatches").GetInt32());

        using var more = await second.AppendAsync("a", """{"k":"k0","v":1000}""");
        var query = await Eventually.UntilAsync(
            () => client.GetFromJsonAsync<JsonElement>("/api/queries/kept"),
            q => q.GetProperty("metrics").GetProperty("rowsOut").GetInt64() == 2,
            "the change of group k0 out of the resumed query");
        // One event read, and group k0 continued from its restored 20 rows (sum 0+5+…+95 = 950): it retracts (k0, 20, 950).
        Assert.Equal(1, query.GetProperty("metrics").GetProperty("eventsIn").GetInt64());
        Assert.Equal(0, query.GetProperty("recovery").GetProperty("replayedEvents").GetInt64());
        var last = (await second.ReadAsync("kept")).GetProperty("events").EnumerateArray().Select(e => e.GetProperty("data").ToString()).TakeLast(2).ToArray();
        Assert.Equal(["""{"k":"k0","n":20,"s":950,"op":"-"}""", """{"k":"k0","n":21,"s":1950,"op":"+"}"""], last);
    }

    [Fact]
    public async Task A_join_checkpoints_its_state_and_trims_its_journal_up_to_the_checkpoint()
    {
        var database = await server.CreateDatabaseAsync(nameof(A_join_checkpoints_its_state_and_trims_its_journal_up_to_the_checkpoint));
        await using (var first = new SluiceApp(database, FastCheckpoints))
        {
            await first.CreateStreamOrFailAsync(new { name = "a", storage = "postgres", schema = new { k = "bigint", v = "bigint" } });
            await first.CreateStreamOrFailAsync(new { name = "b", storage = "postgres", schema = new { k = "bigint", w = "text" } });
            await DurableQueriesTests.RegisterAsync(first, "kept", "SELECT a.k, a.v, b.w FROM a JOIN b ON a.k = b.k");
            for (var round = 0; round < 5; round++)
            {
                using var left = await first.AppendAsync("a", string.Join('\n', Enumerable.Range(round * 10, 10).Select(i => $$"""{"k":{{i}},"v":{{i}}}""")), "application/x-ndjson");
                using var right = await first.AppendAsync("b", string.Join('\n', Enumerable.Range(round * 10, 10).Select(i => $$"""{"k":{{i}},"w":"w{{i}}"}""")), "application/x-ndjson");
            }
            await Eventually.UntilAsync(() => CheckpointAsync(database), c => c.Offset == 50 && c.Head == 50, "a checkpoint of both inputs at offset 50");
            await Eventually.UntilAsync(() => JournalAsync(database), j => j.Sequence > 0 && j.Included == 0, "the journal trimmed up to the checkpoint");
        }

        await using var second = new SluiceApp(database, FastCheckpoints);
        using var client = second.CreateClient();
        var recovery = (await client.GetFromJsonAsync<JsonElement>("/api/queries/kept")).GetProperty("recovery");
        Assert.True(recovery.GetProperty("fromCheckpoint").GetBoolean(), recovery.ToString());
        Assert.Equal(100, recovery.GetProperty("restoredStateEntries").GetInt64());
        // A row matching a stored left row restored from the checkpoint: the join state was not rebuilt from the inputs.
        using var more = await second.AppendAsync("b", """{"k":7,"w":"again"}""");
        await Eventually.UntilAsync(
            () => client.GetFromJsonAsync<JsonElement>("/api/queries/kept"),
            q => q.GetProperty("metrics").GetProperty("rowsOut").GetInt64() == 1,
            "the new joined row");
        var last = (await second.ReadAsync("kept")).GetProperty("events").EnumerateArray().Last().GetProperty("data").ToString();
        Assert.Equal("""{"k":7,"v":7,"w":"again"}""", last);
    }

    [Fact]
    public async Task A_checkpoint_of_a_newer_format_is_refused_with_both_versions_named()
    {
        var database = await server.CreateDatabaseAsync(nameof(A_checkpoint_of_a_newer_format_is_refused_with_both_versions_named));
        await using (var first = new SluiceApp(database, FastCheckpoints))
        {
            await first.CreateStreamOrFailAsync(new { name = "a", storage = "postgres", schema = new { k = "bigint", v = "bigint" } });
            await DurableQueriesTests.RegisterAsync(first, "kept", "SELECT k FROM a");
            using var appended = await first.AppendAsync("a", """{"k":1,"v":1}""");
            await Eventually.UntilAsync(() => CheckpointAsync(database), c => c.Offset == 1, "a checkpoint");
            // Stop the runs now, so no write of this service lands after the edit below (the host's own disposal is not awaited to the end).
            await first.Services.GetRequiredService<QueryRegistry>().DisposeAsync();
        }
        var newer = CheckpointFormat.Current + 1;
        await using (var connection = new NpgsqlConnection(database))
        {
            await connection.OpenAsync();
            await using var command = new NpgsqlCommand($"UPDATE query_checkpoints SET format_version = {newer}", connection);
            Assert.Equal(1, await command.ExecuteNonQueryAsync());
        }

        await using var second = new SluiceApp(database, FastCheckpoints);
        using var client = second.CreateClient();
        var query = await client.GetFromJsonAsync<JsonElement>("/api/queries/kept");
        Assert.True(query.GetProperty("state").GetString() == "faulted",
            $"expected faulted: {query}\ncheckpoint row version: {await VersionAsync(database)}\nerrors: {string.Join('\n', second.Logs.Errors)}");
        var error = query.GetProperty("error").GetString();
        Assert.Contains($"format version {newer}", error);
        Assert.Contains($"versions 1 to {CheckpointFormat.Current}", error);
    }

    [Fact]
    public void The_current_format_reads_what_it_writes_and_refuses_a_newer_version()
    {
        var blob = CheckpointFormat.Write([]);
        CheckpointFormat.Read("q", CheckpointFormat.Current, blob, []);

        var refused = Assert.Throws<CheckpointFormatException>(() => CheckpointFormat.Read("q", CheckpointFormat.Current + 1, blob, []));
        Assert.Contains($"format version {CheckpointFormat.Current + 1}", refused.Message);
        Assert.Contains($"versions 1 to {CheckpointFormat.Current}", refused.Message);
        Assert.Throws<InvalidDataException>(() => CheckpointFormat.Read("q", CheckpointFormat.Current, [1, 2, 3, 4, 5, 6, 7, 8], []));
    }

    /// <summary>The checkpoint's journal sequence, and how many journal entries it includes are still stored.</summary>
    private static async Task<(long Sequence, long Included)> JournalAsync(string database)
    {
        await using var connection = new NpgsqlConnection(database);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(
            "SELECT c.journal_sequence, (SELECT count(*) FROM query_journal j WHERE j.query = c.query AND j.sequence <= c.journal_sequence) FROM query_checkpoints c WHERE c.query = 'kept'",
            connection);
        await using var reader = await command.ExecuteReaderAsync();
        return await reader.ReadAsync() ? (reader.GetInt64(0), reader.GetInt64(1)) : (-1, -1);
    }

    private static async Task<int> VersionAsync(string database)
    {
        await using var connection = new NpgsqlConnection(database);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT format_version FROM query_checkpoints WHERE query = 'kept'", connection);
        return (int)(await command.ExecuteScalarAsync() ?? -1);
    }

    private static async Task<(long Offset, long Head)> CheckpointAsync(string database)
    {
        await using var connection = new NpgsqlConnection(database);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT input_offsets[1], output_head FROM query_checkpoints WHERE query = 'kept'", connection);
        await using var reader = await command.ExecuteReaderAsync();
        return await reader.ReadAsync() ? (reader.GetInt64(0), reader.GetInt64(1)) : (-1, -1);
    }
}
