using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Sluice.Api.Tests.Infrastructure;
using Sluice.Data.Memory;

namespace Sluice.Api.Tests.Security;

/// <summary>
/// Issue 9's reproduction: 39 memory streams of capacity 10,000,000 used to reserve 3 GB at creation, after which every
/// append answered 500 while /health said Healthy. Now they are created (slots come as events do), an append past
/// <c>Limits:MemoryStreamBytes</c> gets 507 naming it, other streams keep working, and readiness says Degraded.
/// </summary>
public sealed class MemoryStreamBytesTests
{
    private const long Budget = 8_000_000;

    [Fact]
    public async Task Thirty_nine_streams_of_capacity_ten_million_are_created_and_an_append_past_the_budget_gets_507_while_others_work()
    {
        await using var app = new SluiceApp(null, new Dictionary<string, string?> { ["Limits:MemoryStreamBytes"] = Budget.ToString() });
        using var client = app.CreateClient();
        for (var i = 0; i < 39; i++)
        {
            using var created = await client.PostAsJsonAsync("/api/streams", new { name = $"big_{i}", capacity = 10_000_000 });
            Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        }
        var budget = app.Services.GetRequiredService<MemoryStreamBudget>();
        Assert.True(budget.Used < Budget / 10, $"39 empty streams should hold little, not their capacity: {budget.Used:N0} bytes");
        Assert.Equal("Healthy", await client.GetStringAsync("/health/ready"));

        var padding = new string('x', 1_000);
        var batch = string.Join('\n', Enumerable.Range(0, 500).Select(i => $"{{\"n\":{i},\"pad\":\"{padding}\"}}"));
        HttpResponseMessage? refused = null;
        for (var attempt = 0; attempt < 40 && refused is null; attempt++)
        {
            var response = await app.AppendAsync("big_0", batch, "application/x-ndjson");
            if (response.StatusCode == HttpStatusCode.OK)
            {
                response.Dispose();
                continue;
            }
            refused = response;
        }
        Assert.NotNull(refused);
        using (refused)
        {
            Assert.Equal(HttpStatusCode.InsufficientStorage, refused.StatusCode);
            var problem = await SluiceApp.ProblemAsync(refused);
            Assert.Contains("Limits:MemoryStreamBytes", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
            Assert.Equal("Limits:MemoryStreamBytes", problem.GetProperty("limit").GetString());
        }
        Assert.True(budget.Used <= Budget, $"memory streams hold {budget.Used:N0} bytes, past the budget of {Budget:N0}");

        // The refused batch appended nothing; small appends to other streams still fit; readiness warns.
        var head = (await client.GetFromJsonAsync<JsonElement>("/api/streams/big_0")).GetProperty("headOffset").GetInt64();
        Assert.Equal(0, head % 500);
        (await app.AppendAsync("big_1", "{\"n\":1}")).EnsureSuccessStatusCode();
        Assert.Equal("Degraded", await client.GetStringAsync("/health/ready"));

        // Deleting the full stream gives its memory back.
        Assert.Equal(HttpStatusCode.NoContent, (await client.DeleteAsync("/api/streams/big_0")).StatusCode);
        Assert.Equal("Healthy", await client.GetStringAsync("/health/ready"));
        (await app.AppendAsync("big_2", batch, "application/x-ndjson")).EnsureSuccessStatusCode();
    }

    [Fact]
    public async Task A_query_whose_output_stream_would_pass_the_budget_faults_naming_it_while_its_input_takes_appends()
    {
        await using var app = new SluiceApp(null, new Dictionary<string, string?> { ["Limits:MemoryStreamBytes"] = "1000000" });
        using var client = app.CreateClient();
        // The input keeps 100 events, so its appends evict as much as they add; the query's output keeps 100,000.
        (await client.PostAsJsonAsync("/api/streams", new { name = "src", capacity = 100 })).EnsureSuccessStatusCode();
        (await client.PostAsJsonAsync("/api/queries", new { name = "copy", sql = "SELECT n, pad FROM src" })).EnsureSuccessStatusCode();

        var padding = new string('x', 1_000);
        var batch = string.Join('\n', Enumerable.Range(0, 100).Select(i => $"{{\"n\":{i},\"pad\":\"{padding}\"}}"));
        for (var i = 0; i < 12; i++)
        {
            (await app.AppendAsync("src", batch, "application/x-ndjson")).EnsureSuccessStatusCode();
            // The input keeps only the last 100 events: wait until the query has read this batch before the next evicts it.
            var read = i + 1;
            var query = await Eventually.UntilAsync(() => client.GetFromJsonAsync<JsonElement>("/api/queries/copy"),
                q => q.GetProperty("state").GetString() != "running" || q.GetProperty("metrics").GetProperty("eventsIn").GetInt64() >= read * 100L,
                "copy to read the batch or fault");
            if (query.GetProperty("state").GetString() != "running")
            {
                break;
            }
        }

        var faulted = await Eventually.UntilAsync(() => client.GetFromJsonAsync<JsonElement>("/api/queries/copy"),
            q => q.GetProperty("state").GetString() != "running", "copy to fault");
        Assert.Equal("faulted", faulted.GetProperty("state").GetString());
        Assert.Contains("Limits:MemoryStreamBytes", faulted.GetProperty("error").GetString(), StringComparison.Ordinal);
        (await app.AppendAsync("src", batch, "application/x-ndjson")).EnsureSuccessStatusCode();
        Assert.True(app.Services.GetRequiredService<MemoryStreamBudget>().Used <= 1_000_000);
    }

    [Fact]
    public async Task A_join_whose_fan_out_passes_the_budget_in_the_middle_of_an_event_faults_naming_it_while_others_run_on()
    {
        // 20,000 stored rows (about 0.93 MB counted: 20,480 slots of 32 bytes and 0.25 MB of payload slabs) and one event
        // meeting them all: the first 8,192 of its rows are appended in the middle of the event (PipelineOutput), and that
        // append (at least 0.38 MB more) passes the 1.2 MB budget.
        await using var app = new SluiceApp(null, new Dictionary<string, string?> { ["Limits:MemoryStreamBytes"] = "1200000" });
        using var client = app.CreateClient();
        (await client.PostAsJsonAsync("/api/streams", new { name = "many" })).EnsureSuccessStatusCode();
        (await client.PostAsJsonAsync("/api/streams", new { name = "one" })).EnsureSuccessStatusCode();
        (await client.PostAsJsonAsync("/api/queries", new { name = "pairs", sql = "SELECT many.l, one.r FROM many CROSS JOIN one" })).EnsureSuccessStatusCode();
        (await client.PostAsJsonAsync("/api/queries", new { name = "others", sql = "SELECT l FROM many WHERE l < 0" })).EnsureSuccessStatusCode();
        (await app.AppendAsync("many", string.Join('\n', Enumerable.Range(0, 20_000).Select(i => $"{{\"l\":{i}}}")), "application/x-ndjson")).EnsureSuccessStatusCode();
        await Eventually.UntilAsync(() => client.GetFromJsonAsync<JsonElement>("/api/queries/pairs"),
            q => q.GetProperty("metrics").GetProperty("eventsIn").GetInt64() == 20_000, "pairs to store the 20,000 rows");

        (await app.AppendAsync("one", "{\"r\":1}")).EnsureSuccessStatusCode();

        var faulted = await Eventually.UntilAsync(() => client.GetFromJsonAsync<JsonElement>("/api/queries/pairs"),
            q => q.GetProperty("state").GetString() != "running", "pairs to fault");
        Assert.Equal("faulted", faulted.GetProperty("state").GetString());
        var error = faulted.GetProperty("error").GetString()!;
        // The append's own error, not one dressed up as the join condition's.
        Assert.Contains("Limits:MemoryStreamBytes", error, StringComparison.Ordinal);
        Assert.DoesNotContain("join condition", error, StringComparison.Ordinal);
        Assert.DoesNotContain("Exception", error, StringComparison.Ordinal);
        Assert.True(faulted.GetProperty("metrics").GetProperty("rowsOut").GetInt64() < 20_000);
        Assert.Equal("running", (await client.GetFromJsonAsync<JsonElement>("/api/queries/others")).GetProperty("state").GetString());
    }

    [Fact]
    public async Task Creating_a_stream_when_memory_streams_hold_the_whole_budget_gets_507()
    {
        await using var app = new SluiceApp(null, new Dictionary<string, string?> { ["Limits:MemoryStreamBytes"] = "20000" });
        using var client = app.CreateClient();
        (await client.PostAsJsonAsync("/api/streams", new { name = "first", capacity = 10_000_000 })).EnsureSuccessStatusCode();
        (await client.PostAsJsonAsync("/api/streams", new { name = "second", capacity = 10_000_000 })).EnsureSuccessStatusCode();

        using var third = await client.PostAsJsonAsync("/api/streams", new { name = "third", capacity = 10_000_000 });

        Assert.Equal(HttpStatusCode.InsufficientStorage, third.StatusCode);
        Assert.Contains("Limits:MemoryStreamBytes", (await SluiceApp.ProblemAsync(third)).GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync("/api/streams/third")).StatusCode);
    }
}
