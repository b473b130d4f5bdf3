using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

using Sluice.Api.Tests.Infrastructure;

namespace Sluice.Api.Tests.Queries;

/// <summary>Queries written in SQL, through the API, end to end with the real compiler.</summary>
public sealed class SqlQueriesTests : IClassFixture<QueriesApp>
{
    private readonly QueriesApp app;

    public SqlQueriesTests(QueriesApp app) => this.app = app;

    private static string Unique(string prefix) => $"{prefix}_{Guid.NewGuid():N}"[..24];

    /// <summary>A stream of sensor readings with a schema and event time in <c>at</c>.</summary>
    private async Task<string> SensorStreamAsync()
    {
        var name = Unique("sensor");
        await app.CreateStreamOrFailAsync(new
        {
            name,
            timestampField = "at",
            schema = new Dictionary<string, string> { ["sensor"] = "text", ["value"] = "double", ["at"] = "timestamp" },
        });
        return name;
    }

    private static string At(int second) => new DateTime(2026, 1, 1, 12, 0, second, DateTimeKind.Utc).ToString("O");

    private static string Readings(params (string Sensor, double Value, int Second)[] readings) =>
        JsonSerializer.Serialize(readings.Select(r => new { sensor = r.Sensor, value = r.Value, at = At(r.Second) }));

    private async Task<HttpResponseMessage> RegisterAsync(string name, string sql, string? from = null)
    {
        using var client = app.CreateClient();
        return await client.PostAsJsonAsync("/api/queries", new { name, sql, from });
    }

    private async Task RegisterOrFailAsync(string name, string sql)
    {
        using var response = await RegisterAsync(name, sql);
        Assert.True(response.StatusCode == HttpStatusCode.Created, $"registering failed: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
    }

    private static async Task ExpectStatusAsync(HttpResponseMessage response, HttpStatusCode expected) =>
        Assert.True(response.StatusCode == expected, $"expected {(int)expected}, got {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");

    private async Task AppendOrFailAsync(string stream, string body)
    {
        using var response = await app.AppendAsync(stream, body);
        Assert.True(response.IsSuccessStatusCode, $"append failed: {await response.Content.ReadAsStringAsync()}");
    }

    private Task<JsonElement> WaitForRowsOutAsync(string name, long rows) =>
        Eventually.UntilAsync(
            async () =>
            {
                using var client = app.CreateClient();
                return await client.GetFromJsonAsync<JsonElement>($"/api/queries/{name}");
            },
            q => q.GetProperty("metrics").GetProperty("rowsOut").GetInt64() >= rows || q.GetProperty("state").GetString() != "running",
            $"{rows} rows out of '{name}'");

    /// <summary>
    /// Previews the query <paramref name="sqlOver"/> writes over a new sensor stream, given three readings of sensor a
    /// at 1 s, 4 s and 12 s; fails unless the answer is 200. Returns the stream's name and the answer.
    /// </summary>
    private async Task<(string Sensor, JsonElement Preview)> PreviewThreeReadingsAsync(Func<string, string> sqlOver)
    {
        var sensor = await SensorStreamAsync();
        using var client = app.CreateClient();
        var events = new Dictionary<string, object>
        {
            [sensor] = new[] { ("a", 1.0, 1), ("a", 2.0, 4), ("a", 3.0, 12) }.Select(r => new { sensor = r.Item1, value = r.Item2, at = At(r.Item3) }),
        };

        using var response = await client.PostAsJsonAsync("/api/queries/preview", new { sql = sqlOver(sensor), events });

        await ExpectStatusAsync(response, HttpStatusCode.OK);
        return (sensor, await response.Content.ReadFromJsonAsync<JsonElement>());
    }

    private async Task<string[]> OutputAsync(string stream) =>
        (await app.ReadAsync(stream)).GetProperty("events").EnumerateArray().Select(e => e.GetProperty("data").GetRawText()).ToArray();

    [Fact]
    public async Task A_registered_filter_query_writes_matching_rows_to_its_output_stream()
    {
        var sensor = await SensorStreamAsync();
        await AppendOrFailAsync(sensor, Readings(("a", 5, 0), ("b", 15, 1)));
        var name = Unique("hot");

        using var created = await RegisterAsync(name, $"SELECT sensor, value * 2 AS doubled FROM {sensor} WHERE value > 10");
        await ExpectStatusAsync(created, HttpStatusCode.Created);
        Assert.Equal($"/api/queries/{name}", created.Headers.Location?.OriginalString);
        var body = await created.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("""[{"name":"sensor","type":"text"},{"name":"doubled","type":"double"}]""", body.GetProperty("outputSchema").GetRawText());
        Assert.False(string.IsNullOrWhiteSpace(body.GetProperty("plan").GetString()));

        await AppendOrFailAsync(sensor, Readings(("c", 20, 2), ("d", 1, 3)));
        var query = await WaitForRowsOutAsync(name, 2);

        Assert.Equal("running", query.GetProperty("state").GetString());
        Assert.Equal(4, query.GetProperty("metrics").GetProperty("eventsIn").GetInt64());
        Assert.Equal(["""{"sensor":"b","doubled":30}""", """{"sensor":"c","doubled":40}"""], await OutputAsync(name));
        var output = await app.ReadAsync(name);
        Assert.Equal(At(1).Replace(".0000000Z", ".000+00:00"), output.GetProperty("events")[0].GetProperty("timestamp").GetDateTimeOffset().ToString("yyyy-MM-ddTHH:mm:ss.fffzzz"));
    }

    [Fact]
    public async Task A_query_naming_an_unknown_stream_is_400_at_its_line_and_column()
    {
        using var response = await RegisterAsync(Unique("bad"), "SELECT id\nFROM nowhere_at_all");

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var problem = await Infrastructure.SluiceApp.ProblemAsync(response);
        Assert.Equal(2, problem.GetProperty("line").GetInt32());
        Assert.Equal(6, problem.GetProperty("column").GetInt32());
        Assert.Contains("nowhere_at_all", problem.GetProperty("message").GetString());
    }

    [Fact]
    public async Task Validate_returns_schema_plan_and_whether_the_query_updates()
    {
        var sensor = await SensorStreamAsync();
        using var client = app.CreateClient();

        using var appendOnly = await client.PostAsJsonAsync("/api/queries/validate", new { sql = $"SELECT sensor FROM {sensor}" });
        using var updating = await client.PostAsJsonAsync("/api/queries/validate", new { sql = $"SELECT sensor, COUNT(*) AS n FROM {sensor} GROUP BY sensor" });
        using var broken = await client.PostAsJsonAsync("/api/queries/validate", new { sql = $"SELECT sensor FROM {sensor} WHERE" });

        await ExpectStatusAsync(appendOnly, HttpStatusCode.OK);
        var plain = await appendOnly.Content.ReadFromJsonAsync<JsonElement>();
        Assert.False(plain.GetProperty("isUpdating").GetBoolean());
        Assert.Equal(sensor, plain.GetProperty("inputs")[0].GetString());
        var grouped = await updating.Content.ReadFromJsonAsync<JsonElement>();
        Assert.True(grouped.GetProperty("isUpdating").GetBoolean());
        Assert.Equal("""[{"name":"sensor","type":"text"},{"name":"n","type":"bigint"}]""", grouped.GetProperty("outputSchema").GetRawText());
        Assert.Equal(HttpStatusCode.BadRequest, broken.StatusCode);
        Assert.Equal(1, (await Infrastructure.SluiceApp.ProblemAsync(broken)).GetProperty("line").GetInt32());
    }

    [Fact]
    public async Task Preview_runs_a_windowed_count_in_virtual_time_and_flushes_open_windows()
    {
        var (sensor, preview) = await PreviewThreeReadingsAsync(
            stream => $"SELECT window_start, COUNT(*) AS n FROM TUMBLE({stream}, at, INTERVAL '10' SECOND) GROUP BY window_start");

        Assert.Equal(3, preview.GetProperty("eventsIn").GetInt32());
        Assert.False(preview.GetProperty("truncated").GetBoolean());
        Assert.Equal(
            ["""{"window_start":"2026-01-01T12:00:00.000Z","n":2}""", """{"window_start":"2026-01-01T12:00:10.000Z","n":1}"""],
            preview.GetProperty("rows").EnumerateArray().Select(r => r.GetRawText()));
        Assert.Equal(0, (await app.ReadAsync(sensor)).GetProperty("events").GetArrayLength());
    }

    [Fact]
    public async Task Preview_processes_each_event_at_its_timestamp_so_proctime_windows_group_like_event_time()
    {
        var (_, preview) = await PreviewThreeReadingsAsync(
            stream => $"SELECT window_start, COUNT(*) AS n, MAX(p) AS last_seen FROM TUMBLE((SELECT *, PROCTIME() AS p FROM {stream}), p, INTERVAL '10' SECOND) GROUP BY window_start");

        Assert.Equal(
            [
                """{"window_start":"2026-01-01T12:00:00.000Z","n":2,"last_seen":"2026-01-01T12:00:04.000Z"}""",
                """{"window_start":"2026-01-01T12:00:10.000Z","n":1,"last_seen":"2026-01-01T12:00:12.000Z"}""",
            ],
            preview.GetProperty("rows").EnumerateArray().Select(r => r.GetRawText()));
    }

    [Fact]
    public async Task Preview_names_the_event_that_does_not_fit_the_stream()
    {
        var sensor = await SensorStreamAsync();
        using var client = app.CreateClient();

        using var response = await client.PostAsJsonAsync("/api/queries/preview", new
        {
            sql = $"SELECT sensor FROM {sensor}",
            events = new Dictionary<string, object> { [sensor] = new object[] { new { sensor = "a", value = 1, at = At(0) }, new { sensor = "b", value = "many", at = At(1) } } },
        });

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var problem = await Infrastructure.SluiceApp.ProblemAsync(response);
        Assert.Equal(1, problem.GetProperty("item").GetInt32());
        Assert.Equal("value", problem.GetProperty("field").GetString());
    }

    [Fact]
    public async Task An_updating_query_shows_one_result_row_per_group()
    {
        var sensor = await SensorStreamAsync();
        var name = Unique("counts");
        await RegisterOrFailAsync(name, $"SELECT sensor, COUNT(*) AS n, MAX(value) AS peak FROM {sensor} GROUP BY sensor");

        await AppendOrFailAsync(sensor, Readings(("a", 1, 0), ("b", 2, 1), ("a", 7, 2)));
        await Eventually.UntilAsync(
            async () =>
            {
                using var client = app.CreateClient();
                return await client.GetFromJsonAsync<JsonElement>($"/api/queries/{name}/results");
            },
            r => r.GetProperty("rows").EnumerateArray().Any(row => row.GetRawText() == """{"sensor":"a","n":2,"peak":7}"""),
            "the result of sensor a to reach n = 2",
            TimeSpan.FromSeconds(15));
        using var client = app.CreateClient();
        var results = await client.GetFromJsonAsync<JsonElement>($"/api/queries/{name}/results");

        Assert.Equal(
            ["""{"sensor":"a","n":2,"peak":7}""", """{"sensor":"b","n":1,"peak":2}"""],
            results.GetProperty("rows").EnumerateArray().Select(r => r.GetRawText()).Order());
        Assert.All(await OutputAsync(name), row => Assert.Contains("\"op\":", row));
    }

    [Fact]
    public async Task A_query_reads_another_querys_output()
    {
        var sensor = await SensorStreamAsync();
        var hot = Unique("hot");
        var hotter = Unique("hotter");
        await RegisterOrFailAsync(hot, $"SELECT sensor, value FROM {sensor} WHERE value > 10");
        await RegisterOrFailAsync(hotter, $"SELECT sensor FROM {hot} WHERE value > 100");

        await AppendOrFailAsync(sensor, Readings(("a", 50, 0), ("b", 500, 1), ("c", 5, 2)));
        await WaitForRowsOutAsync(hotter, 1);

        Assert.Equal(["""{"sensor":"b"}"""], await OutputAsync(hotter));
        using var client = app.CreateClient();
        using var deleteUpstream = await client.DeleteAsync($"/api/queries/{hot}");
        Assert.Equal(HttpStatusCode.Conflict, deleteUpstream.StatusCode);
    }

    [Fact]
    public async Task A_windowed_aggregate_emits_when_the_watermark_passes_the_window_end()
    {
        var sensor = await SensorStreamAsync();
        var name = Unique("per10s");
        await RegisterOrFailAsync(name, $"SELECT sensor, window_end, SUM(value) AS total FROM TUMBLE({sensor}, at, INTERVAL '10' SECOND) GROUP BY sensor, window_end");

        await AppendOrFailAsync(sensor, Readings(("a", 1, 1), ("a", 2, 9)));
        await AppendOrFailAsync(sensor, Readings(("a", 4, 11)));
        var query = await WaitForRowsOutAsync(name, 1);

        Assert.Equal(["""{"sensor":"a","window_end":"2026-01-01T12:00:10.000Z","total":3}"""], await OutputAsync(name));
        Assert.StartsWith("2026-01-01T12:00:11", query.GetProperty("metrics").GetProperty("watermark").GetString());
        Assert.Equal(1, query.GetProperty("metrics").GetProperty("stateSize").GetInt64());
    }

    [Fact]
    public async Task From_latest_ignores_events_appended_before_registration()
    {
        var sensor = await SensorStreamAsync();
        await AppendOrFailAsync(sensor, Readings(("old", 1, 0)));
        var name = Unique("fresh");

        using var created = await RegisterAsync(name, $"SELECT sensor FROM {sensor}", from: "latest");
        await ExpectStatusAsync(created, HttpStatusCode.Created);
        Assert.Equal("latest", (await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("from").GetString());
        await AppendOrFailAsync(sensor, Readings(("new", 2, 1)));
        await WaitForRowsOutAsync(name, 1);

        Assert.Equal(["""{"sensor":"new"}"""], await OutputAsync(name));
    }

    [Fact]
    public async Task Preview_refuses_events_for_a_stream_the_query_does_not_read()
    {
        var sensor = await SensorStreamAsync();
        var other = await SensorStreamAsync();
        using var client = app.CreateClient();

        using var response = await client.PostAsJsonAsync("/api/queries/preview", new
        {
            sql = $"SELECT sensor FROM {sensor}",
            events = new Dictionary<string, object> { [other] = new object[] { new { sensor = "a", value = 1, at = At(0) } } },
        });

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var problem = await Infrastructure.SluiceApp.ProblemAsync(response);
        Assert.Equal(other, problem.GetProperty("stream").GetString());
    }

    [Fact]
    public async Task An_updating_query_may_not_name_an_output_column_op()
    {
        var sensor = await SensorStreamAsync();

        using var response = await RegisterAsync(Unique("clash"), $"SELECT sensor AS op, COUNT(*) AS n FROM {sensor} GROUP BY sensor");

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("rename it with AS", (await Infrastructure.SluiceApp.ProblemAsync(response)).GetProperty("detail").GetString());
    }

    [Fact]
    public async Task Events_behind_the_watermark_of_an_emitted_window_count_as_late()
    {
        var sensor = await SensorStreamAsync();
        var name = Unique("late");
        await RegisterOrFailAsync(name, $"SELECT window_start, COUNT(*) AS n FROM TUMBLE({sensor}, at, INTERVAL '10' SECOND) GROUP BY window_start");

        await AppendOrFailAsync(sensor, Readings(("a", 1, 1), ("a", 1, 15)));
        await WaitForRowsOutAsync(name, 1);
        await AppendOrFailAsync(sensor, Readings(("a", 1, 2), ("a", 1, 16)));
        var query = await Eventually.UntilAsync(
            async () =>
            {
                using var client = app.CreateClient();
                return await client.GetFromJsonAsync<JsonElement>($"/api/queries/{name}");
            },
            q => q.GetProperty("metrics").GetProperty("eventsIn").GetInt64() >= 4,
            "the late event to be read");

        Assert.Equal(1, query.GetProperty("metrics").GetProperty("lateEvents").GetInt64());
        Assert.Equal(1, query.GetProperty("metrics").GetProperty("rowsOut").GetInt64());
    }

    [Fact]
    public async Task Restarting_an_updating_query_rebuilds_its_output_and_result_from_the_inputs()
    {
        var sensor = await SensorStreamAsync();
        var name = Unique("again");
        await RegisterOrFailAsync(name, $"SELECT sensor, COUNT(*) AS n FROM {sensor} GROUP BY sensor");
        // One append is one batch: the query emits the group's row once per batch (mini-batching), not after each event.
        await AppendOrFailAsync(sensor, Readings(("a", 1, 0), ("a", 1, 1)));
        await WaitForRowsOutAsync(name, 1);
        using var client = app.CreateClient();

        using (var stop = await client.PostAsync($"/api/queries/{name}/stop", null))
        {
            await ExpectStatusAsync(stop, HttpStatusCode.OK);
        }
        await AppendOrFailAsync(sensor, Readings(("b", 1, 2)));
        using (var start = await client.PostAsync($"/api/queries/{name}/start", null))
        {
            await ExpectStatusAsync(start, HttpStatusCode.OK);
        }
        await WaitForRowsOutAsync(name, 2);
        var results = await client.GetFromJsonAsync<JsonElement>($"/api/queries/{name}/results");

        // Rebuilt from the three events, read as one batch.
        Assert.Equal(
            ["""{"sensor":"a","n":2,"op":"+"}""", """{"sensor":"b","n":1,"op":"+"}"""],
            await OutputAsync(name));
        Assert.Equal(
            ["""{"sensor":"a","n":2}""", """{"sensor":"b","n":1}"""],
            results.GetProperty("rows").EnumerateArray().Select(r => r.GetRawText()).Order());
    }

    [Fact]
    public async Task A_query_over_a_schemaless_stream_reads_fields_as_they_come()
    {
        var loose = Unique("loose");
        await app.CreateStreamOrFailAsync(new { name = loose });
        var name = Unique("twice");
        using var created = await RegisterAsync(name, $"SELECT Item, amount * 2 AS twice FROM {loose} WHERE amount > 1");
        await ExpectStatusAsync(created, HttpStatusCode.Created);

        await AppendOrFailAsync(loose, """[{"item":"a","amount":1},{"Item":"b","amount":2.5,"extra":{"x":1}},{"amount":3},{"item":"d"}]""");
        await WaitForRowsOutAsync(name, 2);

        // Identifiers are case-insensitive: the engine names the column "item", and the payload's "Item" matches it.
        Assert.Equal(["""{"item":"b","twice":5}""", """{"item":null,"twice":6}"""], await OutputAsync(name));
        using var client = app.CreateClient();
        var output = await client.GetFromJsonAsync<JsonElement>($"/api/streams/{name}");
        Assert.False(output.TryGetProperty("schema", out var schema) && schema.ValueKind != JsonValueKind.Null);
    }
}
