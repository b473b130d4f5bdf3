using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Sluice.Api.Tests.Infrastructure;

namespace Sluice.Api.Tests.Streams;

/// <summary>
/// What every storage engine must do, through the HTTP API. Each engine runs this suite through a
/// subclass that supplies a hosted app and the storage name.
/// </summary>
public abstract class StreamsBehaviour(SluiceApp app, string storage)
{
    protected SluiceApp App { get; } = app;

    protected string Storage { get; } = storage;

    protected static string NewName() => "s_" + Guid.NewGuid().ToString("N")[..12];

    protected async Task<string> CreateAsync(string? timestampField = null, Dictionary<string, string>? schema = null)
    {
        var name = NewName();
        await App.CreateStreamOrFailAsync(new { name, storage = Storage, timestampField, schema });
        return name;
    }

    [Fact]
    public async Task Create_answers_201_with_location_and_description()
    {
        var name = NewName();
        using var response = await App.CreateStreamAsync(new { name, storage = Storage, timestampField = "ts", watermarkDelay = "2s" });
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        Assert.Equal($"/api/streams/{name}", response.Headers.Location?.OriginalString);
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(name, body.GetProperty("name").GetString());
        Assert.Equal(Storage, body.GetProperty("storage").GetString());
        Assert.Equal("ts", body.GetProperty("timestampField").GetString());
        Assert.Equal("2s", body.GetProperty("watermarkDelay").GetString());
        Assert.Equal(0, body.GetProperty("headOffset").GetInt64());
    }

    [Fact]
    public async Task Create_rejects_a_taken_name_with_409()
    {
        var name = await CreateAsync();
        using var response = await App.CreateStreamAsync(new { name, storage = Storage });
        Assert.Equal(HttpStatusCode.Conflict, response.StatusCode);
        var problem = await SluiceApp.ProblemAsync(response);
        Assert.Contains(name, problem.GetProperty("detail").GetString());
    }

    [Fact]
    public async Task Streams_are_listed_described_and_deleted()
    {
        var name = await CreateAsync();
        using var client = App.CreateClient();
        var list = await client.GetFromJsonAsync<JsonElement>("/api/streams");
        Assert.Contains(list.EnumerateArray(), s => s.GetProperty("name").GetString() == name);

        using (var deleted = await client.DeleteAsync($"/api/streams/{name}"))
        {
            Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);
        }
        using var gone = await client.GetAsync($"/api/streams/{name}");
        Assert.Equal(HttpStatusCode.NotFound, gone.StatusCode);
        await SluiceApp.ProblemAsync(gone);
    }

    [Fact]
    public async Task Append_accepts_an_object_an_array_and_ndjson_with_consecutive_offsets()
    {
        var name = await CreateAsync();
        await AssertAppendedAsync(await App.AppendAsync(name, """{"n":0}"""), 0, 0, 1);
        await AssertAppendedAsync(await App.AppendAsync(name, """[{"n":1},{"n":2}]"""), 1, 2, 2);
        await AssertAppendedAsync(await App.AppendAsync(name, "{\"n\":3}\n{\"n\":4}\n\n{\"n\":5}\n", "application/x-ndjson"), 3, 5, 3);

        var page = await App.ReadAsync(name);
        var events = page.GetProperty("events").EnumerateArray().ToList();
        Assert.Equal([0L, 1, 2, 3, 4, 5], events.Select(e => e.GetProperty("offset").GetInt64()));
        Assert.Equal([0L, 1, 2, 3, 4, 5], events.Select(e => e.GetProperty("data").GetProperty("n").GetInt64()));
        Assert.Equal(6, page.GetProperty("nextOffset").GetInt64());
        Assert.Equal(6, page.GetProperty("headOffset").GetInt64());
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Each_batch_keeps_its_payloads_when_the_next_batch_reuses_the_parse_buffers(bool withSchema)
    {
        // A memory stream's appends parse into rented buffers and give them back once the log has copied the payloads:
        // the batches after must not show through in the events stored before them.
        var name = await CreateAsync(schema: withSchema ? new() { ["i"] = "bigint", ["text"] = "text" } : null);
        for (var batch = 0; batch < 4; batch++)
        {
            var body = string.Join('\n', Enumerable.Range(0, 200).Select(i => $$"""{"i":{{batch * 200 + i}},"text":"{{new string((char)('a' + batch), 150)}}"}"""));
            using var _ = await App.AppendAsync(name, body, "application/x-ndjson");
        }

        var events = (await App.ReadAsync(name, limit: 1000)).GetProperty("events").EnumerateArray().ToList();
        Assert.Equal(Enumerable.Range(0, 800).Select(i => (long)i), events.Select(e => e.GetProperty("data").GetProperty("i").GetInt64()));
        Assert.All(events, e => Assert.Equal(new string((char)('a' + e.GetProperty("data").GetProperty("i").GetInt64() / 200), 150),
            e.GetProperty("data").GetProperty("text").GetString()));
    }

    [Fact]
    public async Task Read_pages_by_from_and_limit()
    {
        var name = await CreateAsync();
        var body = string.Join('\n', Enumerable.Range(0, 25).Select(i => $$"""{"i":{{i}}}"""));
        using (var _ = await App.AppendAsync(name, body, "application/x-ndjson")) { }

        var page = await App.ReadAsync(name, from: 10, limit: 5);
        Assert.Equal([10L, 11, 12, 13, 14], page.GetProperty("events").EnumerateArray().Select(e => e.GetProperty("offset").GetInt64()));
        Assert.Equal(15, page.GetProperty("nextOffset").GetInt64());
        var past = await App.ReadAsync(name, from: 100, limit: 5);
        Assert.Empty(past.GetProperty("events").EnumerateArray());
    }

    [Fact]
    public async Task Event_time_comes_from_the_timestamp_field_as_iso_or_epoch_millis()
    {
        var name = await CreateAsync(timestampField: "at");
        using (var response = await App.AppendAsync(name, """[{"at":"2026-01-02T03:04:05.678Z"},{"at":1767323045678}]"""))
        {
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }
        var events = (await App.ReadAsync(name)).GetProperty("events").EnumerateArray().ToList();
        var expected = new DateTimeOffset(2026, 1, 2, 3, 4, 5, 678, TimeSpan.Zero);
        Assert.Equal(expected, events[0].GetProperty("timestamp").GetDateTimeOffset());
        Assert.Equal(DateTimeOffset.FromUnixTimeMilliseconds(1767323045678), events[1].GetProperty("timestamp").GetDateTimeOffset());
        // Written in UTC with Z, as payload timestamps are, never as +00:00.
        Assert.Equal("2026-01-02T03:04:05.678Z", events[0].GetProperty("timestamp").GetString());
        Assert.EndsWith("Z", events[0].GetProperty("ingestedAt").GetString(), StringComparison.Ordinal);
        // The server's own timestamps take the events' one form too: milliseconds, UTC.
        Assert.Matches(@"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$", events[0].GetProperty("ingestedAt").GetString());
    }

    [Fact]
    public async Task Append_rejects_whole_batch_when_one_line_is_bad()
    {
        var name = await CreateAsync();
        using var response = await App.AppendAsync(name, "{\"a\":1}\n{\"a\":2}\n{\"a\":\n{\"a\":4}\n", "application/x-ndjson");
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var problem = await SluiceApp.ProblemAsync(response);
        Assert.Equal(3, problem.GetProperty("line").GetInt32());
        Assert.Equal(0, (await App.ReadAsync(name)).GetProperty("headOffset").GetInt64());
    }

    [Fact]
    public async Task Append_rejects_a_non_object_array_item_naming_its_index()
    {
        var name = await CreateAsync();
        using var response = await App.AppendAsync(name, """[{"a":1},{"a":2},3]""");
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var problem = await SluiceApp.ProblemAsync(response);
        Assert.Equal(2, problem.GetProperty("item").GetInt32());
        Assert.Equal(0, (await App.ReadAsync(name)).GetProperty("headOffset").GetInt64());
    }

    [Fact]
    public async Task Append_rejects_malformed_json_in_an_array_naming_item_and_line()
    {
        var name = await CreateAsync();
        using var response = await App.AppendAsync(name, "[\n{\"a\":1},\n{\"a\":tru}\n]");
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var problem = await SluiceApp.ProblemAsync(response);
        Assert.Equal(1, problem.GetProperty("item").GetInt32());
        Assert.Equal(3, problem.GetProperty("line").GetInt32());
    }

    [Fact]
    public async Task Schema_coerces_values_and_rejects_wrong_types_naming_item_and_field()
    {
        var schema = new Dictionary<string, string> { ["id"] = "bigint", ["price"] = "double", ["name"] = "text", ["ok"] = "boolean", ["at"] = "timestamp", ["meta"] = "json" };
        var name = await CreateAsync(schema: schema);
        using (var ok = await App.AppendAsync(name, """{"id":"42","price":3,"name":7,"ok":"true","at":0,"meta":{"x":[1,2]},"dropped":1}"""))
        {
            Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
        }
        var data = (await App.ReadAsync(name)).GetProperty("events")[0].GetProperty("data");
        Assert.Equal(42, data.GetProperty("id").GetInt64());
        Assert.Equal(JsonValueKind.Number, data.GetProperty("id").ValueKind);
        Assert.Equal("7", data.GetProperty("name").GetString());
        Assert.True(data.GetProperty("ok").GetBoolean());
        Assert.Equal("1970-01-01T00:00:00.000Z", data.GetProperty("at").GetString());
        Assert.Equal(2, data.GetProperty("meta").GetProperty("x")[1].GetInt32());
        Assert.False(data.TryGetProperty("dropped", out _));

        using var bad = await App.AppendAsync(name, """[{"id":1},{"id":"abc"}]""");
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        var problem = await SluiceApp.ProblemAsync(bad);
        Assert.Equal(1, problem.GetProperty("item").GetInt32());
        Assert.Equal("id", problem.GetProperty("field").GetString());
        Assert.Equal(1, (await App.ReadAsync(name)).GetProperty("headOffset").GetInt64());
    }

    [Fact]
    public async Task Append_rejects_a_missing_or_unreadable_timestamp_field()
    {
        var name = await CreateAsync(timestampField: "at");
        using var missing = await App.AppendAsync(name, """[{"at":1},{"x":1}]""");
        Assert.Equal(HttpStatusCode.BadRequest, missing.StatusCode);
        var problem = await SluiceApp.ProblemAsync(missing);
        Assert.Equal(1, problem.GetProperty("item").GetInt32());
        Assert.Equal("at", problem.GetProperty("field").GetString());

        using var unreadable = await App.AppendAsync(name, """{"at":"yesterday"}""");
        Assert.Equal(HttpStatusCode.BadRequest, unreadable.StatusCode);
    }

    [Fact]
    public async Task Append_rejects_invalid_utf8()
    {
        var name = await CreateAsync();
        using var client = App.CreateClient();
        using var content = new ByteArrayContent([.. "{\"a\":\""u8, 0xC3, 0x28, .. "\"}"u8]);
        content.Headers.ContentType = new("application/json");
        using var response = await client.PostAsync($"/api/streams/{name}/events", content);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("UTF-8", (await SluiceApp.ProblemAsync(response)).GetProperty("detail").GetString());
    }

    [Fact]
    public async Task Append_rejects_deeply_nested_documents()
    {
        var name = await CreateAsync();
        var deep = "{\"a\":" + new string('[', 10_000) + new string(']', 10_000) + "}";
        using var response = await App.AppendAsync(name, deep);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        await SluiceApp.ProblemAsync(response);
    }

    [Fact]
    public async Task Append_answers_404_for_an_unknown_stream_and_415_for_a_wrong_content_type()
    {
        using var unknown = await App.AppendAsync("no_such_stream", "{}");
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        await SluiceApp.ProblemAsync(unknown);

        var name = await CreateAsync();
        using var text = await App.AppendAsync(name, "{}", "text/plain");
        Assert.Equal(HttpStatusCode.UnsupportedMediaType, text.StatusCode);
        await SluiceApp.ProblemAsync(text);
    }

    [Theory]
    [InlineData("from=-1&limit=10", "from")]
    [InlineData("from=0&limit=0", "limit")]
    [InlineData("from=0&limit=100000000", "limit")]
    [InlineData("from=abc", null)]
    public async Task Read_rejects_bad_ranges(string query, string? field)
    {
        var name = await CreateAsync();
        using var client = App.CreateClient();
        using var response = await client.GetAsync($"/api/streams/{name}/events?{query}");
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var problem = await SluiceApp.ProblemAsync(response);
        if (field is not null)
        {
            Assert.Equal(field, problem.GetProperty("field").GetString());
        }
    }

    [Fact]
    public async Task Concurrent_appenders_get_gapless_offsets_with_every_event_exactly_once()
    {
        var name = await CreateAsync();
        const int clients = 16, batches = 25, perBatch = 20;
        await Parallel.ForEachAsync(Enumerable.Range(0, clients), new ParallelOptions { MaxDegreeOfParallelism = clients }, async (c, ct) =>
        {
            for (var b = 0; b < batches; b++)
            {
                var body = new StringBuilder();
                for (var i = 0; i < perBatch; i++)
                {
                    body.Append($$"""{"c":{{c}},"b":{{b}},"i":{{i}}}""").Append('\n');
                }
                using var response = await App.AppendAsync(name, body.ToString(), "application/x-ndjson");
                var appended = await response.Content.ReadFromJsonAsync<JsonElement>(ct);
                Assert.Equal(perBatch - 1, appended.GetProperty("lastOffset").GetInt64() - appended.GetProperty("firstOffset").GetInt64());
            }
        });

        const int total = clients * batches * perBatch;
        var seen = new HashSet<(int, int, int)>();
        var offsets = new List<long>();
        for (long from = 0; from < total; from += 1000)
        {
            foreach (var e in (await App.ReadAsync(name, from, 1000)).GetProperty("events").EnumerateArray())
            {
                offsets.Add(e.GetProperty("offset").GetInt64());
                var d = e.GetProperty("data");
                Assert.True(seen.Add((d.GetProperty("c").GetInt32(), d.GetProperty("b").GetInt32(), d.GetProperty("i").GetInt32())), "an event was stored twice");
            }
        }
        Assert.Equal(Enumerable.Range(0, total).Select(i => (long)i), offsets);
        Assert.Equal(total, seen.Count);
    }

    private static async Task AssertAppendedAsync(HttpResponseMessage response, long first, long last, int count)
    {
        using (response)
        {
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            var body = await response.Content.ReadFromJsonAsync<JsonElement>();
            Assert.Equal(first, body.GetProperty("firstOffset").GetInt64());
            Assert.Equal(last, body.GetProperty("lastOffset").GetInt64());
            Assert.Equal(count, body.GetProperty("count").GetInt32());
        }
    }
}
