using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Sluice.Api.Tests.Infrastructure;
using Sluice.Api.Tests.Postgres;

namespace Sluice.Api.Tests.Durability;

/// <summary>Queries kept in the PostgreSQL catalog come back after a restart, in the state they had, without a call (SPEC §7).</summary>
[Collection(PostgresCollection.Name)]
public sealed class DurableQueriesTests(PostgresServer server)
{
    private const string Filter = "SELECT k, v FROM a WHERE v > 1";
    private const string Join = "SELECT a.k, a.v, b.w FROM a JOIN b ON a.k = b.k";

    [Fact]
    public async Task Queries_over_postgres_streams_resume_after_a_restart_and_continue_their_output_exactly_once()
    {
        var database = await server.CreateDatabaseAsync(nameof(Queries_over_postgres_streams_resume_after_a_restart_and_continue_their_output_exactly_once));
        await using (var first = new SluiceApp(database))
        {
            await CreateInputsAsync(first);
            await RegisterAsync(first, "filtered", Filter);
            await RegisterAsync(first, "joined", Join);
            await AppendAsync(first, "a", Enumerable.Range(0, 10).Select(i => $$"""{"k":{{i}},"v":{{i % 3}}}"""));
            await AppendAsync(first, "b", Enumerable.Range(0, 5).Select(i => $$"""{"k":{{i}},"w":"b{{i}}"}"""));
            await WaitForHeadAsync(first, "filtered", 3);
            await WaitForHeadAsync(first, "joined", 5);
        }

        await using var second = new SluiceApp(database);
        var filtered = await DescribeAsync(second, "filtered");
        Assert.Equal("running", filtered.GetProperty("state").GetString());
        Assert.True(filtered.GetProperty("durable").GetBoolean());
        Assert.Equal("running", (await DescribeAsync(second, "joined")).GetProperty("state").GetString());

        await AppendAsync(second, "a", Enumerable.Range(10, 10).Select(i => $$"""{"k":{{i}},"v":{{i % 3}}}"""));
        await AppendAsync(second, "b", Enumerable.Range(5, 10).Select(i => $$"""{"k":{{i}},"w":"b{{i}}"}"""));
        await WaitForHeadAsync(second, "filtered", 6);
        await WaitForHeadAsync(second, "joined", 15);

        var expectedFiltered = Enumerable.Range(0, 20).Where(i => i % 3 == 2).Select(i => $"{i}:{i % 3}").ToList();
        Assert.Equal(expectedFiltered, (await ReadDataAsync(second, "filtered")).Select(d => $"{d.GetProperty("k")}:{d.GetProperty("v")}"));
        var joined = (await ReadDataAsync(second, "joined")).Select(d => $"{d.GetProperty("k")}:{d.GetProperty("w").GetString()}").ToList();
        Assert.Equal(Enumerable.Range(0, 15).Select(i => $"{i}:b{i}").Order(StringComparer.Ordinal), joined.Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task A_stopped_query_stays_stopped_after_a_restart_and_a_deleted_one_stays_deleted()
    {
        var database = await server.CreateDatabaseAsync(nameof(A_stopped_query_stays_stopped_after_a_restart_and_a_deleted_one_stays_deleted));
        await using (var first = new SluiceApp(database))
        {
            await CreateInputsAsync(first);
            await RegisterAsync(first, "paused", Filter);
            await RegisterAsync(first, "removed", Filter);
            using var client = first.CreateClient();
            using var stopped = await client.PostAsync("/api/queries/paused/stop", null);
            Assert.Equal(HttpStatusCode.OK, stopped.StatusCode);
            using var deleted = await client.DeleteAsync("/api/queries/removed");
            Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);
        }

        await using var second = new SluiceApp(database);
        using var again = second.CreateClient();
        var names = (await again.GetFromJsonAsync<JsonElement>("/api/queries")).EnumerateArray().Select(q => q.GetProperty("name").GetString());
        Assert.Equal(["paused"], names);
        Assert.Equal("stopped", (await DescribeAsync(second, "paused")).GetProperty("state").GetString());

        // Starting it again works on the adopted output stream (no 409 for the stream of its own name).
        using var started = await again.PostAsync("/api/queries/paused/start", null);
        Assert.Equal(HttpStatusCode.OK, started.StatusCode);
        await AppendAsync(second, "a", ["""{"k":1,"v":5}"""]);
        await WaitForHeadAsync(second, "paused", 1);
    }

    [Fact]
    public async Task A_query_over_a_memory_stream_comes_back_but_says_it_is_not_durable()
    {
        var database = await server.CreateDatabaseAsync(nameof(A_query_over_a_memory_stream_comes_back_but_says_it_is_not_durable));
        await using (var first = new SluiceApp(database))
        {
            await first.CreateStreamOrFailAsync(new { name = "a", storage = "memory", schema = new { k = "bigint", v = "bigint" } });
            await RegisterAsync(first, "scratch", Filter);
            Assert.False((await DescribeAsync(first, "scratch")).GetProperty("durable").GetBoolean());
        }

        await using var second = new SluiceApp(database);
        var scratch = await DescribeAsync(second, "scratch");
        Assert.Equal("running", scratch.GetProperty("state").GetString());
        Assert.False(scratch.GetProperty("durable").GetBoolean());
        await AppendAsync(second, "a", ["""{"k":1,"v":5}"""]);
        await WaitForHeadAsync(second, "scratch", 1);
    }

    private static async Task CreateInputsAsync(SluiceApp app)
    {
        await app.CreateStreamOrFailAsync(new { name = "a", storage = "postgres", schema = new { k = "bigint", v = "bigint" } });
        await app.CreateStreamOrFailAsync(new { name = "b", storage = "postgres", schema = new { k = "bigint", w = "text" } });
    }

    internal static async Task RegisterAsync(SluiceApp app, string name, string sql)
    {
        using var client = app.CreateClient();
        using var response = await client.PostAsJsonAsync("/api/queries", new { name, sql });
        Assert.True(response.IsSuccessStatusCode, $"registering {name} failed: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
    }

    private static async Task AppendAsync(SluiceApp app, string stream, IEnumerable<string> lines)
    {
        using var response = await app.AppendAsync(stream, string.Join('\n', lines), "application/x-ndjson");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    private static async Task<JsonElement> DescribeAsync(SluiceApp app, string name)
    {
        using var client = app.CreateClient();
        return await client.GetFromJsonAsync<JsonElement>($"/api/queries/{name}");
    }

    private static async Task WaitForHeadAsync(SluiceApp app, string stream, long head)
    {
        using var client = app.CreateClient();
        await Eventually.UntilAsync(
            () => client.GetFromJsonAsync<JsonElement>($"/api/streams/{stream}"),
            s => s.GetProperty("headOffset").GetInt64() >= head,
            $"{head} rows in {stream}");
    }

    private static async Task<List<JsonElement>> ReadDataAsync(SluiceApp app, string stream) =>
        (await app.ReadAsync(stream)).GetProperty("events").EnumerateArray().Select(e => e.GetProperty("data")).ToList();
}
