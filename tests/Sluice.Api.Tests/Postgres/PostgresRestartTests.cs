using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Sluice.Api.Tests.Infrastructure;

namespace Sluice.Api.Tests.Postgres;

[Collection(PostgresCollection.Name)]
public sealed class PostgresRestartTests(PostgresServer server)
{
    [Fact]
    public async Task Definitions_of_both_engines_and_postgres_events_survive_a_restart()
    {
        var database = await server.DatabaseForAsync(nameof(PostgresRestartTests));
        await using (var first = new SluiceApp(database))
        {
            await first.CreateStreamOrFailAsync(new { name = "durable", storage = "postgres", timestampField = "at", watermarkDelay = "2s", schema = new { at = "timestamp", v = "double", tag = "text" } });
            await first.CreateStreamOrFailAsync(new { name = "scratch", storage = "memory", capacity = 50, schema = new { z = "bigint", a = "text" } });
            using var appended = await first.AppendAsync("durable", "{\"at\":\"2026-01-01T00:00:00Z\",\"v\":1.5,\"tag\":\"x\"}\n{\"at\":\"2026-01-01T00:00:01Z\",\"v\":2.5,\"tag\":\"y\"}", "application/x-ndjson");
            Assert.Equal(HttpStatusCode.OK, appended.StatusCode);
            using var scratch = await first.AppendAsync("scratch", """{"z":1,"a":"gone after restart"}""");
        }

        await using var second = new SluiceApp(database);
        using var client = second.CreateClient();
        var durable = await client.GetFromJsonAsync<JsonElement>("/api/streams/durable");
        Assert.Equal("postgres", durable.GetProperty("storage").GetString());
        Assert.Equal("at", durable.GetProperty("timestampField").GetString());
        Assert.Equal("2s", durable.GetProperty("watermarkDelay").GetString());
        Assert.Equal(["at", "v", "tag"], durable.GetProperty("schema").EnumerateObject().Select(p => p.Name));
        Assert.Equal(2, durable.GetProperty("headOffset").GetInt64());

        var scratchInfo = await client.GetFromJsonAsync<JsonElement>("/api/streams/scratch");
        Assert.Equal("memory", scratchInfo.GetProperty("storage").GetString());
        Assert.Equal(50, scratchInfo.GetProperty("capacity").GetInt32());
        Assert.Equal(["z", "a"], scratchInfo.GetProperty("schema").EnumerateObject().Select(p => p.Name));
        Assert.Equal(0, scratchInfo.GetProperty("headOffset").GetInt64());

        var events = (await second.ReadAsync("durable")).GetProperty("events").EnumerateArray().ToList();
        Assert.Equal(["x", "y"], events.Select(e => e.GetProperty("data").GetProperty("tag").GetString()));
        Assert.Equal(new DateTimeOffset(2026, 1, 1, 0, 0, 1, TimeSpan.Zero), events[1].GetProperty("timestamp").GetDateTimeOffset());

        // The head was read back from the table: the next append continues the offsets.
        using var next = await second.AppendAsync("durable", """{"at":"2026-01-01T00:00:02Z","v":3.5,"tag":"z"}""");
        Assert.Equal(2, (await next.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("firstOffset").GetInt64());
    }

    [Fact]
    public async Task A_deleted_stream_stays_deleted_after_a_restart()
    {
        var database = await server.CreateDatabaseAsync(nameof(A_deleted_stream_stays_deleted_after_a_restart));
        await using (var first = new SluiceApp(database))
        {
            await first.CreateStreamOrFailAsync(new { name = "removed", storage = "postgres" });
            await first.CreateStreamOrFailAsync(new { name = "kept", storage = "memory" });
            using var client = first.CreateClient();
            using var deleted = await client.DeleteAsync("/api/streams/removed");
            Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);
        }

        await using var second = new SluiceApp(database);
        using var again = second.CreateClient();
        var names = (await again.GetFromJsonAsync<JsonElement>("/api/streams")).EnumerateArray().Select(s => s.GetProperty("name").GetString());
        Assert.Equal(["kept"], names);
    }

    [Fact]
    public async Task Creating_a_taken_name_is_refused_by_the_durable_catalog()
    {
        var database = await server.DatabaseForAsync(nameof(PostgresRestartTests));
        await using var app = new SluiceApp(database);
        await app.CreateStreamOrFailAsync(new { name = "taken", storage = "memory" });
        using var again = await app.CreateStreamAsync(new { name = "taken", storage = "postgres" });
        Assert.Equal(HttpStatusCode.Conflict, again.StatusCode);
    }

    [Fact]
    public async Task A_first_start_on_a_new_database_logs_no_errors()
    {
        var database = await server.CreateDatabaseAsync(nameof(A_first_start_on_a_new_database_logs_no_errors));
        await using var app = new SluiceApp(database);
        await app.CreateStreamOrFailAsync(new { name = "first", storage = "postgres" });

        Assert.Empty(app.Logs.Errors);
    }

    [Fact]
    public async Task A_second_service_on_the_same_database_refuses_to_start()
    {
        var database = await server.CreateDatabaseAsync(nameof(A_second_service_on_the_same_database_refuses_to_start));
        await using var owner = new SluiceApp(database);
        using var ownerClient = owner.CreateClient();

        await using var intruder = new SluiceApp(database);
        var error = Assert.Throws<InvalidOperationException>(() => intruder.CreateClient());
        Assert.Contains("already owns the streams", error.Message);

        await owner.DisposeAsync();
        await using var successor = new SluiceApp(database);
        using var successorClient = successor.CreateClient();
        Assert.Equal(HttpStatusCode.OK, (await successorClient.GetAsync("/api/streams")).StatusCode);
    }
}
