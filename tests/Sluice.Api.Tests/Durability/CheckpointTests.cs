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
            q => q.GetProperty("metrics").GetProperty("rowsOut").GetInt64() == 1,
            "the new row out of the resumed query");
        // Resumed at offset 100: this run read one event, not 101.
        Assert.Equal(1, query.GetProperty("metrics").GetProperty("eventsIn").GetInt64());
        var keys = (await second.ReadAsync("kept")).GetProperty("events").EnumerateArray().Select(e => e.GetProperty("data").GetProperty("k").GetInt64());
        Assert.Equal(Enumerable.Range(0, 100).Where(i => i % 2 == 1).Select(i => (long)i).Append(100), keys);
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
