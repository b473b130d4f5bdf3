using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Sluice.Api.Limits;
using Sluice.Api.Tests.Infrastructure;

namespace Sluice.Api.Tests.Security;

/// <summary>The reproductions of issue 9 that a single request could use to exhaust the process, each now a 4xx or a faulted query.</summary>
public sealed class LimitsTests(LimitsTests.App app) : IClassFixture<LimitsTests.App>
{
    public sealed class App() : SluiceApp(null, new Dictionary<string, string?> { ["Limits:QueryStateRows"] = "100" });

    private const string HugeHop = "SELECT COUNT(*) AS n, window_start FROM HOP(bids, t, INTERVAL '1' MILLISECOND, INTERVAL '1' DAY) GROUP BY window_start";

    [Theory]
    [InlineData("/api/queries/validate")]
    [InlineData("/api/queries/preview")]
    [InlineData("/api/queries")]
    public async Task A_hop_putting_each_event_in_86_million_windows_is_refused_naming_the_limit(string path)
    {
        await EnsureBidsAsync();
        using var client = app.CreateClient();
        using var response = await client.PostAsJsonAsync(path, new
        {
            name = "huge_hop",
            sql = HugeHop,
            events = new { bids = new[] { new { t = "2026-11-25T12:00:00Z" } } },
        });
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var problem = await SluiceApp.ProblemAsync(response);
        Assert.Contains("Limits:MaxWindowsPerEvent", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Equal(1, problem.GetProperty("line").GetInt32());
    }

    [Fact]
    public async Task A_query_growing_past_Limits_QueryStateRows_faults_naming_it_while_others_run_on()
    {
        using var client = app.CreateClient();
        (await client.PostAsJsonAsync("/api/streams", new { name = "keys" })).EnsureSuccessStatusCode();
        (await client.PostAsJsonAsync("/api/queries", new { name = "per_key", sql = "SELECT k, COUNT(*) AS c FROM keys GROUP BY k" })).EnsureSuccessStatusCode();
        (await client.PostAsJsonAsync("/api/queries", new { name = "few_keys", sql = "SELECT k % 3 AS m, COUNT(*) AS c FROM keys GROUP BY k % 3" })).EnsureSuccessStatusCode();

        var ndjson = string.Join('\n', Enumerable.Range(0, 500).Select(i => $"{{\"k\":{i}}}"));
        (await app.AppendAsync("keys", ndjson, "application/x-ndjson")).EnsureSuccessStatusCode();

        var faulted = await Eventually.UntilAsync(() => client.GetFromJsonAsync<JsonElement>("/api/queries/per_key"),
            q => q.GetProperty("state").GetString() != "running", "per_key to fault");
        Assert.Equal("faulted", faulted.GetProperty("state").GetString());
        var error = faulted.GetProperty("error").GetString()!;
        Assert.Contains("Limits:QueryStateRows", error, StringComparison.Ordinal);
        Assert.DoesNotContain("Exception", error, StringComparison.Ordinal);

        // The faulted query's pipeline is gone: nothing near the limit is running, so readiness is not Degraded by it.
        Assert.Equal("Healthy", await client.GetStringAsync("/health/ready"));

        // The other query over the same stream read every event and is still running.
        var alive = await Eventually.UntilAsync(() => client.GetFromJsonAsync<JsonElement>("/api/queries/few_keys"),
            q => q.GetProperty("metrics").GetProperty("eventsIn").GetInt64() == 500, "few_keys to read all 500 events");
        Assert.Equal("running", alive.GetProperty("state").GetString());
        (await app.AppendAsync("keys", "{\"k\":1000}")).EnsureSuccessStatusCode();
    }

    [Fact]
    public async Task Readiness_is_Degraded_while_a_query_holds_most_of_its_state_limit()
    {
        using var client = app.CreateClient();
        (await client.PostAsJsonAsync("/api/streams", new { name = "near" })).EnsureSuccessStatusCode();
        (await client.PostAsJsonAsync("/api/queries", new { name = "near_limit", sql = "SELECT k, COUNT(*) AS c FROM near GROUP BY k" })).EnsureSuccessStatusCode();
        var ndjson = string.Join('\n', Enumerable.Range(0, 90).Select(i => $"{{\"k\":{i}}}"));
        (await app.AppendAsync("near", ndjson, "application/x-ndjson")).EnsureSuccessStatusCode();
        await Eventually.UntilAsync(() => client.GetFromJsonAsync<JsonElement>("/api/queries/near_limit"),
            q => q.GetProperty("metrics").GetProperty("eventsIn").GetInt64() == 90, "near_limit to read 90 events");
        Assert.Equal("Degraded", await client.GetStringAsync("/health/ready"));
        (await client.DeleteAsync("/api/queries/near_limit")).EnsureSuccessStatusCode();
        Assert.Equal("Healthy", await client.GetStringAsync("/health/ready"));
    }

    [Fact]
    public async Task Readiness_is_Degraded_while_subscriber_buffers_hold_most_of_Limits_SubscriberBytes()
    {
        using var client = app.CreateClient();
        var budget = app.Services.GetRequiredService<SubscriberBudget>();
        using (var share = budget.Join())
        {
            // What a subscriber that stopped reading would hold: 90 % of the budget, taken as its pump would take it.
            Assert.True(share.TryTake(budget.Limit * 9 / 10));
            Assert.Equal("Degraded", await client.GetStringAsync("/health/ready"));
        }
        Assert.Equal("Healthy", await client.GetStringAsync("/health/ready"));
    }

    [Theory]
    [InlineData("/api/streams")]
    [InlineData("/api/queries")]
    public async Task A_name_ending_in_a_newline_is_refused_and_nothing_is_created(string path)
    {
        await EnsureBidsAsync();
        using var client = app.CreateClient();
        using var response = await client.PostAsJsonAsync(path, new { name = "nl\n", sql = "SELECT t FROM bids" });
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.True((await SluiceApp.ProblemAsync(response)).GetProperty("errors").TryGetProperty("name", out _));
        var streams = await client.GetFromJsonAsync<JsonElement>("/api/streams");
        Assert.DoesNotContain(streams.EnumerateArray(), s => s.GetProperty("name").GetString()!.StartsWith("nl", StringComparison.Ordinal));
    }

    [Fact]
    public async Task An_interval_too_large_for_any_clock_is_a_400_naming_the_literal()
    {
        await EnsureBidsAsync();
        using var client = app.CreateClient();
        using var response = await client.PostAsJsonAsync("/api/queries/validate", new
        {
            sql = "SELECT COUNT(*) AS n, window_start FROM TUMBLE(bids, t, INTERVAL '99999999999999' DAY) GROUP BY window_start",
        });
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var detail = (await SluiceApp.ProblemAsync(response)).GetProperty("detail").GetString()!;
        Assert.Contains("'99999999999999' DAY", detail, StringComparison.Ordinal);
        Assert.DoesNotContain("TimeSpan", detail, StringComparison.Ordinal);
        // Refused as the user's mistake, not logged as a failure of ours (another test of this class faults a query, which is logged).
        Assert.DoesNotContain(app.Logs.Errors, e => e.Contains("overflow", StringComparison.OrdinalIgnoreCase) || e.Contains("compil", StringComparison.OrdinalIgnoreCase));
    }

    [Theory]
    [InlineData("/api/streams", "[]")]
    [InlineData("/api/streams", "{\"name\":5}")]
    [InlineData("/api/streams", "{\"name\":\"s\",\"schema\":[1]}")]
    [InlineData("/api/queries", "{\"name\":\"q\",\"sql\":{}}")]
    [InlineData("/api/streams/bids/events?from=x", null)]
    public async Task Bad_requests_never_show_dotnet_type_names(string path, string? body)
    {
        await EnsureBidsAsync();
        using var client = app.CreateClient();
        using var response = body is null
            ? await client.GetAsync(path)
            : await client.PostAsync(path, new StringContent(body, Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var detail = (await SluiceApp.ProblemAsync(response)).GetProperty("detail").GetString()!;
        Assert.DoesNotMatch(@"System\.|Sluice\.|`\d|Int64|Dictionary|CreateStreamRequest", detail);
    }

    private async Task EnsureBidsAsync()
    {
        using var response = await app.CreateStreamAsync(new { name = "bids", timestampField = "t" });
        Assert.True(response.StatusCode is HttpStatusCode.Created or HttpStatusCode.Conflict);
    }
}

/// <summary><c>Limits:Requests</c> and <c>Limits:Events</c> per credential: 429 with Retry-After.</summary>
public sealed class RateLimitTests
{
    [Fact]
    public async Task Requests_over_Limits_Requests_get_429_with_Retry_After()
    {
        await using var app = new SluiceApp(null, new Dictionary<string, string?> { ["Limits:Requests"] = "2" });
        using var client = app.CreateClient();
        var statuses = new List<HttpResponseMessage>();
        for (var i = 0; i < 10; i++)
        {
            statuses.Add(await client.GetAsync("/api/streams"));
        }
        var refused = statuses.FirstOrDefault(r => r.StatusCode == HttpStatusCode.TooManyRequests);
        Assert.NotNull(refused);
        Assert.NotNull(refused.Headers.RetryAfter);
        Assert.Contains("Limits:Requests", (await SluiceApp.ProblemAsync(refused)).GetProperty("detail").GetString(), StringComparison.Ordinal);
        // Health checks are not API requests and are never limited.
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/health/live")).StatusCode);
        statuses.ForEach(r => r.Dispose());
    }

    [Fact]
    public async Task Requests_are_limited_per_credential_so_one_callers_burst_does_not_refuse_another()
    {
        await using var server = new SecuredServer(new Dictionary<string, string?> { ["Limits:Requests"] = "2" });
        using var reader = server.Client(SecuredServer.Reader);
        using var admin = server.Client(SecuredServer.Admin);
        var refused = false;
        for (var i = 0; i < 10 && !refused; i++)
        {
            using var response = await reader.GetAsync("/api/streams");
            refused = response.StatusCode == HttpStatusCode.TooManyRequests;
        }
        Assert.True(refused, "the reader's burst of 10 requests was never refused");
        // The admin key has its own bucket, still full.
        using var served = await admin.GetAsync("/api/streams");
        Assert.Equal(HttpStatusCode.OK, served.StatusCode);
    }

    [Fact]
    public async Task Events_over_Limits_Events_get_429_with_Retry_After()
    {
        await using var app = new SluiceApp(null, new Dictionary<string, string?> { ["Limits:Events"] = "5" });
        await app.CreateStreamOrFailAsync(new { name = "ev" });
        using var tooBig = await app.AppendAsync("ev", string.Join('\n', Enumerable.Repeat("{\"a\":1}", 6)), "application/x-ndjson");
        Assert.Equal(HttpStatusCode.TooManyRequests, tooBig.StatusCode);
        Assert.NotNull(tooBig.Headers.RetryAfter);

        HttpResponseMessage? refused = null;
        for (var i = 0; i < 20 && refused is null; i++)
        {
            var response = await app.AppendAsync("ev", string.Join('\n', Enumerable.Repeat("{\"a\":1}", 5)), "application/x-ndjson");
            if (response.StatusCode == HttpStatusCode.TooManyRequests)
            {
                refused = response;
            }
            else
            {
                Assert.Equal(HttpStatusCode.OK, response.StatusCode);
                response.Dispose();
            }
        }
        Assert.NotNull(refused);
        Assert.NotNull(refused.Headers.RetryAfter);
        Assert.Contains("Limits:Events", (await SluiceApp.ProblemAsync(refused)).GetProperty("detail").GetString(), StringComparison.Ordinal);
        refused.Dispose();
    }
}
