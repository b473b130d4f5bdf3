using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Sluice.Api.Tests.Infrastructure;
using Sluice.Api.Tests.Postgres;
using Sluice.Data.Queries;

namespace Sluice.Api.Tests.Durability;

/// <summary>PUT /api/queries/{name} with PostgreSQL: the new definition is what comes back after a restart, exactly once (SPEC §7).</summary>
[Collection(PostgresCollection.Name)]
public sealed class ReplaceDurableTests(PostgresServer server)
{
    private const string Old = "SELECT k, v FROM a WHERE v > 1";
    private const string New = "SELECT k, v * 10 AS w FROM a WHERE v > 0";

    [Fact]
    public async Task A_replaced_durable_query_comes_back_as_the_new_query_and_its_output_after_reset_equals_a_fresh_registration()
    {
        var database = await server.CreateDatabaseAsync(nameof(A_replaced_durable_query_comes_back_as_the_new_query_and_its_output_after_reset_equals_a_fresh_registration));
        long outputStart;
        await using (var first = new SluiceApp(database))
        {
            await first.CreateStreamOrFailAsync(new { name = "a", storage = "postgres", schema = new { k = "bigint", v = "bigint" } });
            await DurableQueriesTests.RegisterAsync(first, "swapped", Old);
            await AppendAsync(first, "a", Enumerable.Range(0, 30).Select(i => $$"""{"k":{{i}},"v":{{i % 3}}}"""));
            await WaitForHeadAsync(first, "swapped", 10);

            using var client = first.CreateClient();
            using var response = await client.PutAsJsonAsync("/api/queries/swapped", new { sql = New });
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            var replaced = await response.Content.ReadFromJsonAsync<JsonElement>();
            Assert.True(replaced.GetProperty("durable").GetBoolean());
            outputStart = replaced.GetProperty("outputStart").GetInt64();
            Assert.Equal(11, outputStart);
            await WaitForHeadAsync(first, "swapped", outputStart + 20);
        }

        await using var second = new SluiceApp(database);
        using var again = second.CreateClient();
        var back = await again.GetFromJsonAsync<JsonElement>("/api/queries/swapped");
        Assert.Equal(New, back.GetProperty("sql").GetString());
        Assert.Equal("running", back.GetProperty("state").GetString());
        Assert.Equal(outputStart, back.GetProperty("outputStart").GetInt64());
        Assert.Equal(30, back.GetProperty("backfill").GetProperty("inputs")[0].GetProperty("total").GetInt64());
        var stream = await again.GetFromJsonAsync<JsonElement>("/api/streams/swapped");
        Assert.Equal(["k", "w"], stream.GetProperty("schema").EnumerateObject().Select(f => f.Name).Order(StringComparer.Ordinal));

        await AppendAsync(second, "a", Enumerable.Range(30, 15).Select(i => $$"""{"k":{{i}},"v":{{i % 3}}}"""));
        await DurableQueriesTests.RegisterAsync(second, "fresh", New);
        await WaitForHeadAsync(second, "swapped", outputStart + 30);
        await WaitForHeadAsync(second, "fresh", 30);

        var fresh = await ReadDataAsync(second, "fresh", 0);
        var swapped = await ReadDataAsync(second, "swapped", outputStart - 1);
        Assert.Equal("""{"op":"reset"}""", swapped[0]);
        Assert.Equal(fresh, swapped.Skip(1));
        Assert.Equal(30, fresh.Count);
    }

    [Fact]
    public async Task A_replace_that_died_before_its_reset_event_comes_back_as_the_new_query_and_appends_the_reset()
    {
        var database = await server.CreateDatabaseAsync(nameof(A_replace_that_died_before_its_reset_event_comes_back_as_the_new_query_and_appends_the_reset));
        await using (var first = new SluiceApp(database))
        {
            await first.CreateStreamOrFailAsync(new { name = "a", storage = "postgres", schema = new { k = "bigint", v = "bigint" } });
            await DurableQueriesTests.RegisterAsync(first, "halfway", Old);
            await AppendAsync(first, "a", Enumerable.Range(0, 9).Select(i => $$"""{"k":{{i}},"v":{{i % 3}}}"""));
            await WaitForHeadAsync(first, "halfway", 3);

            // What a replace has done when it dies right after its catalog transaction: the new definition is saved (old progress gone),
            // the output has neither the new schema nor the reset event. The graceful stop that follows writes one more checkpoint of the
            // old run, which recovery must recognise as an earlier definition's.
            var catalog = first.Services.GetRequiredService<IQueryCatalog>();
            var stored = Assert.Single(await catalog.LoadAsync(CancellationToken.None));
            await catalog.ReplaceAsync(stored with { Sql = New, StartOffsets = [0], OutputStart = 4, BackfillUntil = [9] }, CancellationToken.None);
        }

        await using var second = new SluiceApp(database);
        await WaitForHeadAsync(second, "halfway", 4 + 6);
        var data = await ReadDataAsync(second, "halfway", 0);
        Assert.Equal(["""{"k":2,"v":2}""", """{"k":5,"v":2}""", """{"k":8,"v":2}""", """{"op":"reset"}"""], data.Take(4));
        var expected = Enumerable.Range(0, 9).Where(i => i % 3 > 0).Select(i => $$"""{"k":{{i}},"w":{{i % 3 * 10}}}""");
        Assert.Equal(expected, data.Skip(4));
        using var client = second.CreateClient();
        var query = await client.GetFromJsonAsync<JsonElement>("/api/queries/halfway");
        Assert.Equal(4, query.GetProperty("outputStart").GetInt64());
        Assert.Equal(New, query.GetProperty("sql").GetString());
    }

    [Fact]
    public async Task A_query_over_a_memory_stream_says_which_stream_keeps_it_from_being_durable()
    {
        var database = await server.CreateDatabaseAsync(nameof(A_query_over_a_memory_stream_says_which_stream_keeps_it_from_being_durable));
        await using var app = new SluiceApp(database);
        await app.CreateStreamOrFailAsync(new { name = "scratch_in", storage = "memory", schema = new { k = "bigint" } });
        await DurableQueriesTests.RegisterAsync(app, "scratch", "SELECT k FROM scratch_in");
        using var client = app.CreateClient();
        var query = await client.GetFromJsonAsync<JsonElement>("/api/queries/scratch");
        Assert.False(query.GetProperty("durable").GetBoolean());
        Assert.Contains("memory stream 'scratch_in'", query.GetProperty("notDurableReason").GetString());
    }

    private static async Task AppendAsync(SluiceApp app, string stream, IEnumerable<string> lines)
    {
        using var response = await app.AppendAsync(stream, string.Join('\n', lines), "application/x-ndjson");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    private static async Task WaitForHeadAsync(SluiceApp app, string stream, long head)
    {
        using var client = app.CreateClient();
        await Eventually.UntilAsync(
            () => client.GetFromJsonAsync<JsonElement>($"/api/streams/{stream}"),
            s => s.GetProperty("headOffset").GetInt64() >= head,
            $"{head} rows in {stream}");
    }

    private static async Task<List<string>> ReadDataAsync(SluiceApp app, string stream, long from) =>
        (await app.ReadAsync(stream, from)).GetProperty("events").EnumerateArray().Select(e => e.GetProperty("data").GetRawText()).ToList();
}
