using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Sluice.Api.Queries;
using Sluice.Reactive.Runtime;
using Sluice.Api.Tests.Infrastructure;

namespace Sluice.Api.Tests.Queries;

/// <summary>The /api/queries endpoints, with hand-built pipelines registered straight into the host's registry.</summary>
public sealed class QueriesApiTests : IClassFixture<QueriesApp>
{
    private readonly QueriesApp app;

    public QueriesApiTests(QueriesApp app) => this.app = app;

    private QueryRegistry Registry => app.Services.GetRequiredService<QueryRegistry>();

    private async Task<string> NewStreamAsync(string prefix)
    {
        var name = $"{prefix}_{Guid.NewGuid():N}"[..30];
        await app.CreateStreamOrFailAsync(new { name });
        return name;
    }

    private async Task<JsonElement> GetQueryAsync(string name)
    {
        using var client = app.CreateClient();
        using var response = await client.GetAsync($"/api/queries/{name}");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return await response.Content.ReadFromJsonAsync<JsonElement>();
    }

    private Task<JsonElement> WaitForRowsOutAsync(string name, long rows) =>
        Eventually.UntilAsync(
            () => GetQueryAsync(name),
            q => q.GetProperty("metrics").GetProperty("rowsOut").GetInt64() >= rows || q.GetProperty("state").GetString() != "running",
            $"{rows} rows out of '{name}'");

    [Fact]
    public async Task Create_rejects_an_invalid_name_and_a_missing_query_text_by_field()
    {
        using var client = app.CreateClient();
        using var response = await client.PostAsJsonAsync("/api/queries", new { name = "Bad-Name", sql = "", from = "middle" });

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var problem = await SluiceApp.ProblemAsync(response);
        var errors = problem.GetProperty("errors");
        Assert.True(errors.TryGetProperty("name", out _));
        Assert.True(errors.TryGetProperty("sql", out _));
        Assert.Contains("'earliest' or 'latest'", errors.GetProperty("from")[0].GetString());
    }

    [Fact]
    public async Task Create_answers_a_query_the_compiler_rejects_with_line_and_column()
    {
        using var client = app.CreateClient();
        using var response = await client.PostAsJsonAsync("/api/queries", new { name = "broken", sql = "SELECT FROM WHERE" });

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var problem = await SluiceApp.ProblemAsync(response);
        Assert.True(problem.GetProperty("line").GetInt32() >= 1);
        Assert.True(problem.GetProperty("column").GetInt32() >= 1);
        Assert.False(string.IsNullOrWhiteSpace(problem.GetProperty("message").GetString()));
        Assert.Null(Registry.Find("broken"));
    }

    [Fact]
    public async Task Create_is_a_conflict_when_a_stream_has_the_name()
    {
        var taken = await NewStreamAsync("taken");
        using var client = app.CreateClient();
        using var response = await client.PostAsJsonAsync("/api/queries", new { name = taken, sql = $"SELECT * FROM {taken}" });

        Assert.Equal(HttpStatusCode.Conflict, response.StatusCode);
        Assert.Contains($"stream named '{taken}'", (await SluiceApp.ProblemAsync(response)).GetProperty("detail").GetString());
    }

    [Fact]
    public async Task Create_is_a_conflict_when_a_query_has_the_name()
    {
        var input = await NewStreamAsync("in");
        var name = $"q_{Guid.NewGuid():N}"[..20];
        await Registry.RegisterAsync(name, FakeQueries.PassThrough(input), StartFrom.Earliest, CancellationToken.None);

        using var client = app.CreateClient();
        using var response = await client.PostAsJsonAsync("/api/queries", new { name, sql = $"SELECT * FROM {input}" });

        Assert.Equal(HttpStatusCode.Conflict, response.StatusCode);
        Assert.Contains($"query named '{name}'", (await SluiceApp.ProblemAsync(response)).GetProperty("detail").GetString());
    }

    [Theory]
    [InlineData("GET", "/api/queries/nope")]
    [InlineData("GET", "/api/queries/nope/results")]
    [InlineData("POST", "/api/queries/nope/stop")]
    [InlineData("POST", "/api/queries/nope/start")]
    [InlineData("DELETE", "/api/queries/nope")]
    public async Task Unknown_query_names_are_404_problems(string method, string path)
    {
        using var client = app.CreateClient();
        using var response = await client.SendAsync(new HttpRequestMessage(new HttpMethod(method), path));

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Contains("no query named 'nope'", (await SluiceApp.ProblemAsync(response)).GetProperty("detail").GetString());
    }

    [Fact]
    public async Task Describe_and_list_show_state_schema_and_metrics()
    {
        var input = await NewStreamAsync("in");
        await app.AppendAsync(input, """[{"id":1,"text":"a"},{"id":2,"text":"b"}]""");
        var name = $"q_{Guid.NewGuid():N}"[..20];
        await Registry.RegisterAsync(name, FakeQueries.PassThrough(input), StartFrom.Earliest, CancellationToken.None);

        var query = await WaitForRowsOutAsync(name, 2);

        Assert.Equal("running", query.GetProperty("state").GetString());
        Assert.Equal("earliest", query.GetProperty("from").GetString());
        Assert.False(query.GetProperty("isUpdating").GetBoolean());
        Assert.Equal("[{\"name\":\"id\",\"type\":\"bigint\"},{\"name\":\"text\",\"type\":\"text\"}]", query.GetProperty("outputSchema").GetRawText());
        var metrics = query.GetProperty("metrics");
        Assert.Equal(2, metrics.GetProperty("eventsIn").GetInt64());
        Assert.Equal(0, metrics.GetProperty("lateEvents").GetInt64());
        var position = Assert.Single(metrics.GetProperty("inputs").EnumerateArray().ToArray());
        Assert.Equal(input, position.GetProperty("stream").GetString());
        Assert.Equal(2, position.GetProperty("offset").GetInt64());
        Assert.Equal(0, position.GetProperty("lag").GetInt64());
        foreach (var term in new[] { "read", "process", "write" })
        {
            Assert.True(metrics.GetProperty(term).GetProperty("p99").GetDouble() >= metrics.GetProperty(term).GetProperty("p50").GetDouble());
        }

        using var client = app.CreateClient();
        var all = await client.GetFromJsonAsync<JsonElement>("/api/queries");
        Assert.Contains(all.EnumerateArray(), q => q.GetProperty("name").GetString() == name);
    }

    [Fact]
    public async Task A_faulted_query_reports_its_error_while_ingest_and_other_queries_go_on()
    {
        var input = await NewStreamAsync("in");
        var failing = $"f_{Guid.NewGuid():N}"[..20];
        var healthy = $"h_{Guid.NewGuid():N}"[..20];
        await Registry.RegisterAsync(failing, FakeQueries.FailingOn(input, 2), StartFrom.Earliest, CancellationToken.None);
        await Registry.RegisterAsync(healthy, FakeQueries.PassThrough(input), StartFrom.Earliest, CancellationToken.None);

        using (var append = await app.AppendAsync(input, """[{"id":1,"text":"a"},{"id":2,"text":"b"}]"""))
        {
            Assert.Equal(HttpStatusCode.OK, append.StatusCode);
        }
        var faulted = await Eventually.UntilAsync(() => GetQueryAsync(failing), q => q.GetProperty("state").GetString() != "running", "the fault");
        using (var append = await app.AppendAsync(input, """{"id":3,"text":"c"}"""))
        {
            Assert.Equal(HttpStatusCode.OK, append.StatusCode);
        }
        var alive = await WaitForRowsOutAsync(healthy, 3);

        Assert.Equal("faulted", faulted.GetProperty("state").GetString());
        Assert.Contains("division by zero", faulted.GetProperty("error").GetString());
        Assert.Equal("running", alive.GetProperty("state").GetString());
    }

    [Fact]
    public async Task Stop_start_and_delete_through_the_api()
    {
        var input = await NewStreamAsync("in");
        await app.AppendAsync(input, """{"id":1,"text":"a"}""");
        var name = $"q_{Guid.NewGuid():N}"[..20];
        await Registry.RegisterAsync(name, FakeQueries.PassThrough(input), StartFrom.Earliest, CancellationToken.None);
        await WaitForRowsOutAsync(name, 1);
        using var client = app.CreateClient();

        using (var stop = await client.PostAsync($"/api/queries/{name}/stop", null))
        {
            Assert.Equal(HttpStatusCode.OK, stop.StatusCode);
            Assert.Equal("stopped", (await stop.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("state").GetString());
        }
        await app.AppendAsync(input, """{"id":2,"text":"b"}""");
        using (var start = await client.PostAsync($"/api/queries/{name}/start", null))
        {
            Assert.Equal(HttpStatusCode.OK, start.StatusCode);
        }
        var restarted = await WaitForRowsOutAsync(name, 2);
        Assert.Equal("running", restarted.GetProperty("state").GetString());
        Assert.Equal(2, (await app.ReadAsync(name)).GetProperty("events").GetArrayLength());

        using (var deleteInput = await client.DeleteAsync($"/api/streams/{input}"))
        {
            Assert.Equal(HttpStatusCode.Conflict, deleteInput.StatusCode);
            Assert.Contains($"query '{name}'", (await SluiceApp.ProblemAsync(deleteInput)).GetProperty("detail").GetString());
        }
        using (var deleteOutput = await client.DeleteAsync($"/api/streams/{name}"))
        {
            Assert.Equal(HttpStatusCode.Conflict, deleteOutput.StatusCode);
        }
        using (var delete = await client.DeleteAsync($"/api/queries/{name}"))
        {
            Assert.Equal(HttpStatusCode.NoContent, delete.StatusCode);
        }
        using (var gone = await client.GetAsync($"/api/streams/{name}"))
        {
            Assert.Equal(HttpStatusCode.NotFound, gone.StatusCode);
        }
        using (var deleteInput = await client.DeleteAsync($"/api/streams/{input}"))
        {
            Assert.Equal(HttpStatusCode.NoContent, deleteInput.StatusCode);
        }
    }

    [Fact]
    public async Task Results_of_an_updating_query_are_its_current_rows()
    {
        var input = await NewStreamAsync("in");
        await app.AppendAsync(input, """[{"id":1,"text":"a"},{"id":2,"text":"b"},{"id":3,"text":"a"}]""");
        var name = $"q_{Guid.NewGuid():N}"[..20];
        await Registry.RegisterAsync(name, FakeQueries.CountByText(input), StartFrom.Earliest, CancellationToken.None);
        await WaitForRowsOutAsync(name, 4);
        using var client = app.CreateClient();

        var results = await client.GetFromJsonAsync<JsonElement>($"/api/queries/{name}/results");

        Assert.Equal(2, results.GetProperty("count").GetInt64());
        Assert.False(results.GetProperty("truncated").GetBoolean());
        Assert.Equal(
            ["""{"text":"a","n":2}""", """{"text":"b","n":1}"""],
            results.GetProperty("rows").EnumerateArray().Select(r => r.GetRawText()).Order());

        var limited = await client.GetFromJsonAsync<JsonElement>($"/api/queries/{name}/results?limit=1");
        Assert.True(limited.GetProperty("truncated").GetBoolean());
        Assert.Equal(1, limited.GetProperty("rows").GetArrayLength());
    }

    [Fact]
    public async Task Results_of_an_append_only_query_point_to_its_output_stream()
    {
        var input = await NewStreamAsync("in");
        var name = $"q_{Guid.NewGuid():N}"[..20];
        await Registry.RegisterAsync(name, FakeQueries.PassThrough(input), StartFrom.Earliest, CancellationToken.None);
        using var client = app.CreateClient();

        using var response = await client.GetAsync($"/api/queries/{name}/results");

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains($"/api/streams/{name}/events", (await SluiceApp.ProblemAsync(response)).GetProperty("detail").GetString());
    }

    [Fact]
    public async Task Preview_refuses_more_events_than_the_limit()
    {
        var input = await NewStreamAsync("in");
        var events = Enumerable.Range(0, 10_001).Select(i => new { id = i }).ToArray();
        using var client = app.CreateClient();

        using var response = await client.PostAsJsonAsync("/api/queries/preview", new { sql = $"SELECT id FROM {input}", events = new Dictionary<string, object> { [input] = events } });

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("at most 10000 events", (await SluiceApp.ProblemAsync(response)).GetProperty("detail").GetString());
    }
}
