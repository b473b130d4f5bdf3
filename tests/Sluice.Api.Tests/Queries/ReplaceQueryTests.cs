using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Sluice.Api.Tests.Infrastructure;

namespace Sluice.Api.Tests.Queries;

/// <summary>PUT /api/queries/{name} (SPEC §7 Replace) on the in-memory service: reset event, backfill, progress, refusals.</summary>
public sealed class ReplaceQueryTests(QueriesApp app) : IClassFixture<QueriesApp>
{
    [Fact]
    public async Task Replace_appends_one_reset_event_then_the_new_querys_rows_rebuilt_from_the_inputs()
    {
        var input = await NewInputAsync("swap_in");
        await AppendAsync(input, Enumerable.Range(0, 10).Select(i => $$"""{"k":{{i}},"v":{{i % 3}}}"""));
        await RegisterAsync("swap_q", $"SELECT k, v FROM {input} WHERE v > 1");
        await WaitForHeadAsync("swap_q", 3);

        using var client = app.CreateClient();
        using var response = await client.PutAsJsonAsync("/api/queries/swap_q", new { sql = $"SELECT k, v * 10 AS w FROM {input} WHERE v > 0" });
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var replaced = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("running", replaced.GetProperty("state").GetString());
        Assert.Equal(4, replaced.GetProperty("outputStart").GetInt64());
        Assert.Equal(["k", "w"], replaced.GetProperty("outputSchema").EnumerateArray().Select(c => c.GetProperty("name").GetString()));

        await WaitForHeadAsync("swap_q", 4 + 6);
        var events = (await app.ReadAsync("swap_q")).GetProperty("events").EnumerateArray().Select(e => e.GetProperty("data")).ToList();
        Assert.Equal(10, events.Count);
        Assert.Equal(["2:2", "5:2", "8:2"], events.Take(3).Select(d => $"{d.GetProperty("k")}:{d.GetProperty("v")}"));
        Assert.Equal("""{"op":"reset"}""", events[3].GetRawText());
        var expected = Enumerable.Range(0, 10).Where(i => i % 3 > 0).Select(i => $"{i}:{i % 3 * 10}");
        Assert.Equal(expected, events.Skip(4).Select(d => $"{d.GetProperty("k")}:{d.GetProperty("w")}"));

        // The output stream now has the new query's columns, and says whose output it is.
        var stream = await client.GetFromJsonAsync<JsonElement>("/api/streams/swap_q");
        Assert.Equal("swap_q", stream.GetProperty("outputOf").GetString());
        Assert.Equal(["k", "w"], stream.GetProperty("schema").EnumerateObject().Select(f => f.Name).Order(StringComparer.Ordinal));

        // The backfill read the 10 offsets the input held when the new run started.
        var described = await Eventually.UntilAsync(
            () => client.GetFromJsonAsync<JsonElement>("/api/queries/swap_q"),
            q => q.GetProperty("backfill").GetProperty("complete").GetBoolean(),
            "the backfill to complete");
        var backfill = Assert.Single(described.GetProperty("backfill").GetProperty("inputs").EnumerateArray());
        Assert.Equal(input, backfill.GetProperty("stream").GetString());
        Assert.Equal(0, backfill.GetProperty("fromOffset").GetInt64());
        Assert.Equal(10, backfill.GetProperty("untilOffset").GetInt64());
        Assert.Equal(10, backfill.GetProperty("done").GetInt64());
        Assert.Equal(10, backfill.GetProperty("total").GetInt64());

        // Live events after the backfill go through the new query only.
        await AppendAsync(input, ["""{"k":10,"v":1}"""]);
        await WaitForHeadAsync("swap_q", 11);
        var last = (await app.ReadAsync("swap_q", from: 10)).GetProperty("events")[0].GetProperty("data");
        Assert.Equal(10, last.GetProperty("w").GetInt64());
    }

    [Fact]
    public async Task A_query_registered_over_a_replaced_output_reads_the_current_definitions_rows_without_the_reset()
    {
        var input = await NewInputAsync("layer_in");
        await AppendAsync(input, Enumerable.Range(0, 10).Select(i => $$"""{"k":{{i}},"v":{{i % 3}}}"""));
        await RegisterAsync("layer_q", $"SELECT k, v FROM {input} WHERE v > 1");
        await WaitForHeadAsync("layer_q", 3);
        using var client = app.CreateClient();
        using (var response = await client.PutAsJsonAsync("/api/queries/layer_q", new { sql = $"SELECT k, v * 10 AS w FROM {input} WHERE v > 0" }))
        {
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }
        await WaitForHeadAsync("layer_q", 4 + 6);

        // As a view over a replaced view: the reader's result is that of the current definition (no old row, no row of NULLs for the reset).
        await RegisterAsync("layer_reader", "SELECT k, w FROM layer_q");
        await WaitForHeadAsync("layer_reader", 6);
        var expected = Enumerable.Range(0, 10).Where(i => i % 3 > 0).Select(i => $$"""{"k":{{i}},"w":{{i % 3 * 10}}}""");
        Assert.Equal(expected, await ReadAllDataAsync("layer_reader", 0));
        var reader = await client.GetFromJsonAsync<JsonElement>("/api/queries/layer_reader");
        Assert.Equal(10, reader.GetProperty("metrics").GetProperty("inputs")[0].GetProperty("offset").GetInt64());
    }

    [Fact]
    public async Task Replace_with_from_latest_reads_only_new_events_and_a_stopped_query_runs_again()
    {
        var input = await NewInputAsync("latest_in");
        await AppendAsync(input, Enumerable.Range(0, 5).Select(i => $$"""{"k":{{i}},"v":2}"""));
        await RegisterAsync("latest_q", $"SELECT k FROM {input}");
        await WaitForHeadAsync("latest_q", 5);
        using var client = app.CreateClient();
        (await client.PostAsync("/api/queries/latest_q/stop", null)).EnsureSuccessStatusCode();

        using var response = await client.PutAsJsonAsync("/api/queries/latest_q", new { sql = $"SELECT v FROM {input}", from = "latest" });
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var replaced = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("running", replaced.GetProperty("state").GetString());
        Assert.Equal("latest", replaced.GetProperty("from").GetString());
        Assert.True(replaced.GetProperty("backfill").GetProperty("complete").GetBoolean());
        Assert.Equal(0, replaced.GetProperty("backfill").GetProperty("inputs")[0].GetProperty("total").GetInt64());

        await AppendAsync(input, ["""{"k":9,"v":7}"""]);
        await WaitForHeadAsync("latest_q", 7);
        var events = (await app.ReadAsync("latest_q", from: 5)).GetProperty("events").EnumerateArray().Select(e => e.GetProperty("data").GetRawText());
        Assert.Equal(["""{"op":"reset"}""", """{"v":7}"""], events);
    }

    [Fact]
    public async Task Replace_refuses_bad_requests_with_4xx_and_leaves_the_query_as_it_was()
    {
        var input = await NewInputAsync("refuse_in");
        var sql = $"SELECT k FROM {input}";
        await RegisterAsync("refuse_q", sql);
        await RegisterAsync("refuse_reader", "SELECT k FROM refuse_q");
        using var client = app.CreateClient();

        using (var missing = await client.PutAsJsonAsync("/api/queries/refuse_q", new { sql = "", from = "middle" }))
        {
            Assert.Equal(HttpStatusCode.BadRequest, missing.StatusCode);
            var errors = (await SluiceApp.ProblemAsync(missing)).GetProperty("errors");
            Assert.True(errors.TryGetProperty("sql", out _));
            Assert.Contains("'earliest' or 'latest'", errors.GetProperty("from")[0].GetString());
        }
        using (var broken = await client.PutAsJsonAsync("/api/queries/refuse_q", new { sql = "SELECT k\nFROM WHERE" }))
        {
            Assert.Equal(HttpStatusCode.BadRequest, broken.StatusCode);
            var problem = await SluiceApp.ProblemAsync(broken);
            Assert.Equal(2, problem.GetProperty("line").GetInt32());
            Assert.True(problem.GetProperty("column").GetInt32() > 0);
        }
        using (var unknownInput = await client.PutAsJsonAsync("/api/queries/refuse_q", new { sql = "SELECT k FROM nowhere_at_all" }))
        {
            Assert.Equal(HttpStatusCode.BadRequest, unknownInput.StatusCode);
        }
        using (var unknown = await client.PutAsJsonAsync("/api/queries/no_such_query", new { sql }))
        {
            Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
            Assert.Equal("no_such_query", (await SluiceApp.ProblemAsync(unknown)).GetProperty("query").GetString());
        }
        using (var read = await client.PutAsJsonAsync("/api/queries/refuse_q", new { sql = $"SELECT k + 1 AS k FROM {input}" }))
        {
            // Another query reads the output: a reset (and new columns) would pull the ground from under it.
            Assert.Equal(HttpStatusCode.Conflict, read.StatusCode);
            Assert.Contains("refuse_reader", (await SluiceApp.ProblemAsync(read)).GetProperty("detail").GetString());
        }

        var after = await client.GetFromJsonAsync<JsonElement>("/api/queries/refuse_q");
        Assert.Equal(sql, after.GetProperty("sql").GetString());
        Assert.Equal("running", after.GetProperty("state").GetString());
        Assert.Equal(0, after.GetProperty("outputStart").GetInt64());
    }

    [Fact]
    public async Task Without_postgres_a_query_says_why_it_is_not_durable()
    {
        var input = await NewInputAsync("why_in");
        await RegisterAsync("why_q", $"SELECT k FROM {input}");
        using var client = app.CreateClient();
        var query = await client.GetFromJsonAsync<JsonElement>("/api/queries/why_q");
        Assert.False(query.GetProperty("durable").GetBoolean());
        Assert.Contains("PostgreSQL is not configured", query.GetProperty("notDurableReason").GetString());
        Assert.Contains("gone", query.GetProperty("notDurableReason").GetString());

        var plain = await client.GetFromJsonAsync<JsonElement>($"/api/streams/{input}");
        Assert.False(plain.TryGetProperty("outputOf", out var outputOf) && outputOf.ValueKind != JsonValueKind.Null);
    }

    /// <summary>
    /// The property SPEC §7 asks for: whatever the old and new text, and wherever in the input the replace falls, the rows after
    /// <c>reset</c> are exactly the rows a fresh registration of the new text writes (same rows, same order, same <c>op</c>s).
    /// A GROUP BY emits once per input batch (mini-batching, docs/engine.md), and the two runs read their inputs in batches
    /// that end where the appends happened to be when each read: for those texts the changelogs agree once applied.
    /// </summary>
    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    [InlineData(5)]
    [InlineData(6)]
    public async Task Output_after_reset_equals_a_fresh_registration_of_the_new_text(int seed)
    {
        var random = new Random(seed);
        var input = await NewInputAsync($"prop{seed}_in");
        string[] texts =
        [
            $"SELECT k, v FROM {input} WHERE v > 2",
            $"SELECT k * 2 AS d, v FROM {input}",
            $"SELECT k % 3 AS g, COUNT(*) AS n, SUM(v) AS s FROM {input} GROUP BY k % 3",
            $"SELECT v, MAX(k) AS top FROM {input} WHERE k > 1 GROUP BY v",
            $"SELECT DISTINCT v FROM {input}",
        ];
        var old = texts[random.Next(texts.Length)];
        var replacement = texts[random.Next(texts.Length)];
        var total = random.Next(20, 200);
        var before = random.Next(0, total);
        var events = Enumerable.Range(0, total).Select(i => $$"""{"k":{{random.Next(0, 12)}},"v":{{random.Next(0, 6)}}}""").ToList();
        var name = $"prop{seed}_q";
        var fresh = $"prop{seed}_fresh";

        await AppendAsync(input, events.Take(before));
        await RegisterAsync(name, old);
        using var client = app.CreateClient();
        using var response = await client.PutAsJsonAsync($"/api/queries/{name}", new { sql = replacement });
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var outputStart = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("outputStart").GetInt64();
        if (total > before)
        {
            await AppendAsync(input, events.Skip(before));
        }
        await RegisterAsync(fresh, replacement);

        await WaitForInputReadAsync(name, total);
        await WaitForInputReadAsync(fresh, total);
        var expected = await ReadAllDataAsync(fresh, 0);
        var actual = await ReadAllDataAsync(name, outputStart - 1);
        Assert.Equal("""{"op":"reset"}""", actual[0]);
        if (replacement.Contains("GROUP BY", StringComparison.Ordinal))
        {
            Assert.Equal(Applied(expected), Applied(actual.Skip(1)));
        }
        else
        {
            Assert.Equal(expected, actual.Skip(1));
        }
    }

    // A changelog's rows applied in order: the result it describes, sorted; a retraction of a row not held fails.
    private static List<string> Applied(IEnumerable<string> changelog)
    {
        var result = new List<string>();
        foreach (var data in changelog)
        {
            var row = System.Text.Json.Nodes.JsonNode.Parse(data)!.AsObject();
            var op = row["op"]!.GetValue<string>();
            row.Remove("op");
            var text = row.ToJsonString();
            if (op == "+") result.Add(text);
            else Assert.True(result.Remove(text), $"retraction of a row not in the result: {text}");
        }
        result.Sort(StringComparer.Ordinal);
        return result;
    }

    private async Task<string> NewInputAsync(string name)
    {
        await app.CreateStreamOrFailAsync(new { name, schema = new { k = "bigint", v = "bigint" } });
        return name;
    }

    private async Task RegisterAsync(string name, string sql)
    {
        using var client = app.CreateClient();
        using var response = await client.PostAsJsonAsync("/api/queries", new { name, sql });
        Assert.True(response.IsSuccessStatusCode, $"registering {name} failed: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
    }

    private async Task AppendAsync(string stream, IEnumerable<string> lines)
    {
        var body = string.Join('\n', lines);
        if (body.Length == 0)
        {
            return;
        }
        using var response = await app.AppendAsync(stream, body, "application/x-ndjson");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    private async Task WaitForHeadAsync(string stream, long head)
    {
        using var client = app.CreateClient();
        await Eventually.UntilAsync(
            () => client.GetFromJsonAsync<JsonElement>($"/api/streams/{stream}"),
            s => s.GetProperty("headOffset").GetInt64() >= head,
            $"{head} events in {stream}");
    }

    /// <summary>Waits until the query has read every input event (its output then holds every row they produce).</summary>
    private async Task WaitForInputReadAsync(string query, long events)
    {
        using var client = app.CreateClient();
        await Eventually.UntilAsync(
            () => client.GetFromJsonAsync<JsonElement>($"/api/queries/{query}"),
            q => q.GetProperty("metrics").GetProperty("inputs")[0].GetProperty("offset").GetInt64() >= events,
            $"'{query}' to read {events} input events");
    }

    private async Task<List<string>> ReadAllDataAsync(string stream, long from)
    {
        var rows = new List<string>();
        while (true)
        {
            var page = await app.ReadAsync(stream, from);
            rows.AddRange(page.GetProperty("events").EnumerateArray().Select(e => e.GetProperty("data").GetRawText()));
            var next = page.GetProperty("nextOffset").GetInt64();
            if (next >= page.GetProperty("headOffset").GetInt64())
            {
                return rows;
            }
            from = next;
        }
    }
}
