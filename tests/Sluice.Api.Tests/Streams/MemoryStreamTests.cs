using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Sluice.Api.Tests.Infrastructure;

namespace Sluice.Api.Tests.Streams;

/// <summary>What only the memory engine and the memory-only service do.</summary>
public sealed class MemoryStreamTests(MemoryAppFixture fixture) : IClassFixture<MemoryAppFixture>
{
    private readonly SluiceApp app = fixture.App;

    [Fact]
    public async Task Capacity_evicts_the_oldest_events_and_reads_below_the_first_retained_offset_answer_410()
    {
        await app.CreateStreamOrFailAsync(new { name = "ring_five", capacity = 5 });
        var body = string.Join('\n', Enumerable.Range(0, 8).Select(i => $$"""{"i":{{i}}}"""));
        using (var _ = await app.AppendAsync("ring_five", body, "application/x-ndjson")) { }

        var page = await app.ReadAsync("ring_five", from: 3);
        Assert.Equal([3L, 4, 5, 6, 7], page.GetProperty("events").EnumerateArray().Select(e => e.GetProperty("offset").GetInt64()));
        Assert.Equal(3, page.GetProperty("firstRetainedOffset").GetInt64());

        using var client = app.CreateClient();
        using var gone = await client.GetAsync("/api/streams/ring_five/events?from=2");
        Assert.Equal(HttpStatusCode.Gone, gone.StatusCode);
        var problem = await SluiceApp.ProblemAsync(gone);
        Assert.Equal(3, problem.GetProperty("firstRetainedOffset").GetInt64());

        var info = await client.GetFromJsonAsync<JsonElement>("/api/streams/ring_five");
        Assert.Equal(8, info.GetProperty("headOffset").GetInt64());
        Assert.Equal(5, info.GetProperty("count").GetInt64());
    }

    [Fact]
    public async Task Postgres_streams_are_refused_with_400_when_no_database_is_configured()
    {
        using var response = await app.CreateStreamAsync(new { name = "wants_pg", storage = "postgres" });
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var problem = await SluiceApp.ProblemAsync(response);
        Assert.Contains("ConnectionStrings__Postgres", problem.GetProperty("detail").GetString());
    }

    [Theory]
    [InlineData("Bad")]
    [InlineData("1abc")]
    [InlineData("has-dash")]
    [InlineData("")]
    [InlineData("a234567890123456789012345678901234567890123456789012345678901234")]
    public async Task Create_rejects_bad_names_naming_the_field(string name)
    {
        using var response = await app.CreateStreamAsync(new { name });
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var problem = await SluiceApp.ProblemAsync(response);
        Assert.True(problem.GetProperty("errors").TryGetProperty("name", out _));
    }

    [Theory]
    [InlineData("""{"name":"x1","storage":"disk"}""", "storage")]
    [InlineData("""{"name":"x2","capacity":0}""", "capacity")]
    [InlineData("""{"name":"x3","watermarkDelay":"soon"}""", "watermarkDelay")]
    [InlineData("""{"name":"x4","schema":{"a":"float128"}}""", "schema.a")]
    [InlineData("""{"name":"x5","timestampField":"at","schema":{"a":"text"}}""", "timestampField")]
    [InlineData("""{"name":"x6","timestampField":"a","schema":{"a":"text"}}""", "timestampField")]
    public async Task Create_rejects_bad_definitions_naming_the_field(string json, string field)
    {
        using var client = app.CreateClient();
        using var content = new StringContent(json, System.Text.Encoding.UTF8, "application/json");
        using var response = await client.PostAsync("/api/streams", content);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var problem = await SluiceApp.ProblemAsync(response);
        Assert.True(problem.GetProperty("errors").TryGetProperty(field, out _), problem.ToString());
    }

    [Fact]
    public async Task Create_rejects_malformed_json_with_a_problem()
    {
        using var client = app.CreateClient();
        using var content = new StringContent("{\"name\":", System.Text.Encoding.UTF8, "application/json");
        using var response = await client.PostAsync("/api/streams", content);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("JSON", (await SluiceApp.ProblemAsync(response)).GetProperty("detail").GetString());
    }

    [Fact]
    public async Task Health_endpoints_answer()
    {
        using var client = app.CreateClient();
        using var live = await client.GetAsync("/health/live");
        using var ready = await client.GetAsync("/health/ready");
        Assert.Equal(HttpStatusCode.OK, live.StatusCode);
        Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
    }
}

public sealed class BodyLimitTests
{
    [Fact]
    public async Task Append_answers_413_for_a_body_over_the_configured_limit_and_appends_nothing()
    {
        using var app = new SluiceApp(settings: new Dictionary<string, string?> { ["Sluice:Ingest:MaxBodyBytes"] = "1024" });
        await app.CreateStreamOrFailAsync(new { name = "small" });
        var body = "[" + string.Join(',', Enumerable.Range(0, 200).Select(i => $$"""{"i":{{i}}}""")) + "]";
        using var response = await app.AppendAsync("small", body);
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        await SluiceApp.ProblemAsync(response);
        Assert.Equal(0, (await app.ReadAsync("small")).GetProperty("headOffset").GetInt64());
    }
}
