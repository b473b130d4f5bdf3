using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Sluice.Api.Tests.Infrastructure;

namespace Sluice.Api.Tests.Postgres;

[Collection(PostgresCollection.Name)]
public sealed class PostgresStreamsTests(PostgresServer server) : IAsyncLifetime
{
    private SluiceApp app = null!;

    public async Task InitializeAsync() => app = new SluiceApp(await server.DatabaseForAsync(nameof(PostgresStreamsTests)));

    public async Task DisposeAsync() => await app.DisposeAsync();

    [Fact]
    public async Task Created_postgres_stream_reads_back_appended_events_in_offset_order()
    {
        await app.CreateStreamOrFailAsync(new { name = "orders", storage = "postgres", schema = new { id = "bigint", item = "text" } });

        using var appended = await app.AppendAsync("orders", """[{"id": 1, "item": "tea"}, {"id": 2, "item": "cake"}]""");
        Assert.Equal(HttpStatusCode.OK, appended.StatusCode);
        var ack = await appended.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(0, ack.GetProperty("firstOffset").GetInt64());
        Assert.Equal(1, ack.GetProperty("lastOffset").GetInt64());

        var page = await app.ReadAsync("orders");
        var events = page.GetProperty("events").EnumerateArray().ToList();
        Assert.Equal([0L, 1L], events.Select(e => e.GetProperty("offset").GetInt64()));
        Assert.Equal(["tea", "cake"], events.Select(e => e.GetProperty("data").GetProperty("item").GetString()));
        Assert.Equal(2, page.GetProperty("headOffset").GetInt64());

        using var client = app.CreateClient();
        var info = await client.GetFromJsonAsync<JsonElement>("/api/streams/orders");
        Assert.Equal("postgres", info.GetProperty("storage").GetString());
        Assert.Equal(2, info.GetProperty("count").GetInt64());
    }

    [Fact]
    public async Task Ndjson_single_object_and_array_appends_get_consecutive_offsets()
    {
        await app.CreateStreamOrFailAsync(new { name = "mixed_bodies", storage = "postgres" });

        using var ndjson = await app.AppendAsync("mixed_bodies", "{\"n\":0}\n{\"n\":1}\n{\"n\":2}\n", "application/x-ndjson");
        using var single = await app.AppendAsync("mixed_bodies", """{"n":3}""");
        using var array = await app.AppendAsync("mixed_bodies", """[{"n":4},{"n":5}]""");
        Assert.All([ndjson, single, array], r => Assert.Equal(HttpStatusCode.OK, r.StatusCode));
        Assert.Equal(2, (await array.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("count").GetInt32());

        var events = (await app.ReadAsync("mixed_bodies")).GetProperty("events").EnumerateArray().ToList();
        Assert.Equal(Enumerable.Range(0, 6).Select(i => (long)i), events.Select(e => e.GetProperty("offset").GetInt64()));
        Assert.Equal(Enumerable.Range(0, 6), events.Select(e => e.GetProperty("data").GetProperty("n").GetInt32()));
    }

    [Fact]
    public async Task Bad_batch_appends_nothing_and_keeps_offsets_gapless()
    {
        await app.CreateStreamOrFailAsync(new { name = "strict", storage = "postgres", schema = new { n = "bigint" } });
        using var good = await app.AppendAsync("strict", """{"n":1}""");
        using var bad = await app.AppendAsync("strict", "{\"n\":2}\n{\"n\":\"three\"}\n", "application/x-ndjson");
        using var next = await app.AppendAsync("strict", """{"n":4}""");

        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        Assert.Equal(1, (await next.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("firstOffset").GetInt64());
        var events = (await app.ReadAsync("strict")).GetProperty("events").EnumerateArray();
        Assert.Equal([1L, 4L], events.Select(e => e.GetProperty("data").GetProperty("n").GetInt64()));
    }

    [Fact]
    public async Task Reads_from_any_offset_never_answer_gone_without_retention()
    {
        await app.CreateStreamOrFailAsync(new { name = "kept", storage = "postgres" });
        var body = string.Join('\n', Enumerable.Range(0, 300).Select(i => $$"""{"i":{{i}}}"""));
        using var appended = await app.AppendAsync("kept", body, "application/x-ndjson");
        Assert.Equal(HttpStatusCode.OK, appended.StatusCode);

        using var client = app.CreateClient();
        foreach (var from in new[] { 0, 1, 150, 299, 300, 5000 })
        {
            using var response = await client.GetAsync($"/api/streams/kept/events?from={from}&limit=100");
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            var page = await response.Content.ReadFromJsonAsync<JsonElement>();
            Assert.Equal(0, page.GetProperty("firstRetainedOffset").GetInt64());
            var offsets = page.GetProperty("events").EnumerateArray().Select(e => e.GetProperty("offset").GetInt64()).ToList();
            Assert.Equal(Enumerable.Range(from, Math.Max(0, Math.Min(100, 300 - from))).Select(i => (long)i), offsets);
        }
    }

    [Fact]
    public async Task Payload_and_event_time_survive_the_round_trip()
    {
        await app.CreateStreamOrFailAsync(new { name = "timed", storage = "postgres", timestampField = "at" });
        using var appended = await app.AppendAsync("timed", """{"at":"2026-03-01T12:30:00.123+02:00","text":"grüße \"quoted\"","nested":{"list":[1,2.5,null,true]}}""");
        Assert.Equal(HttpStatusCode.OK, appended.StatusCode);

        var e = (await app.ReadAsync("timed")).GetProperty("events")[0];
        Assert.Equal(new DateTimeOffset(2026, 3, 1, 10, 30, 0, 123, TimeSpan.Zero), e.GetProperty("timestamp").GetDateTimeOffset());
        Assert.Equal("grüße \"quoted\"", e.GetProperty("data").GetProperty("text").GetString());
        Assert.Equal("[1,2.5,null,true]", JsonSerializer.Serialize(e.GetProperty("data").GetProperty("nested").GetProperty("list")));
    }

    [Fact]
    public async Task Concurrent_appenders_get_gapless_offsets_and_every_event_is_stored_once()
    {
        const int clients = 16, batches = 50, perBatch = 10;
        await app.CreateStreamOrFailAsync(new { name = "contended", storage = "postgres" });

        var acks = new List<(long First, long Last)>[clients];
        await Task.WhenAll(Enumerable.Range(0, clients).Select(c => Task.Run(async () =>
        {
            acks[c] = [];
            using var client = app.CreateClient();
            for (var b = 0; b < batches; b++)
            {
                var body = string.Join('\n', Enumerable.Range(0, perBatch).Select(i => $$"""{"client":{{c}},"batch":{{b}},"i":{{i}}}"""));
                using var content = new StringContent(body, Encoding.UTF8, "application/x-ndjson");
                using var response = await client.PostAsync("/api/streams/contended/events", content);
                Assert.Equal(HttpStatusCode.OK, response.StatusCode);
                var ack = await response.Content.ReadFromJsonAsync<JsonElement>();
                acks[c].Add((ack.GetProperty("firstOffset").GetInt64(), ack.GetProperty("lastOffset").GetInt64()));
            }
        })));

        const int total = clients * batches * perBatch;
        var stored = new List<JsonElement>();
        for (var from = 0L; from < total; from += 1000)
        {
            stored.AddRange((await app.ReadAsync("contended", from, 1000)).GetProperty("events").EnumerateArray());
        }
        Assert.Equal(Enumerable.Range(0, total).Select(i => (long)i), stored.Select(e => e.GetProperty("offset").GetInt64()));
        var keys = stored.Select(e => e.GetProperty("data")).Select(d => (d.GetProperty("client").GetInt32(), d.GetProperty("batch").GetInt32(), d.GetProperty("i").GetInt32()));
        Assert.Equal(total, keys.Distinct().Count());
        // Each acknowledged range holds exactly that request's events, in order.
        foreach (var (c, ranges) in acks.Select((r, c) => (c, r)))
        {
            foreach (var ((first, last), b) in ranges.Select((r, b) => (r, b)))
            {
                Assert.Equal(perBatch - 1, last - first);
                for (var i = 0; i < perBatch; i++)
                {
                    var data = stored[(int)first + i].GetProperty("data");
                    Assert.Equal((c, b, i), (data.GetProperty("client").GetInt32(), data.GetProperty("batch").GetInt32(), data.GetProperty("i").GetInt32()));
                }
            }
        }
    }

    [Fact]
    public async Task Deleting_a_postgres_stream_drops_its_events_and_the_name_can_be_reused()
    {
        await app.CreateStreamOrFailAsync(new { name = "short_lived", storage = "postgres" });
        using var appended = await app.AppendAsync("short_lived", """[{"a":1},{"a":2}]""");
        using var client = app.CreateClient();
        using var deleted = await client.DeleteAsync("/api/streams/short_lived");
        Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);

        await app.CreateStreamOrFailAsync(new { name = "short_lived", storage = "postgres" });
        var page = await app.ReadAsync("short_lived");
        Assert.Equal(0, page.GetProperty("headOffset").GetInt64());
        Assert.Empty(page.GetProperty("events").EnumerateArray());
    }
}
