using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Sluice.Api.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Sluice.Api.Tests.Security;

/// <summary>
/// Issue 9's reproductions against the real service in its own process, so what the process holds is measured alone:
/// its peak resident set (<c>VmHWM</c>) stays under <see cref="PeakBound"/>, where each reproduction used to take
/// 2.7–3 GB or end in OutOfMemory, and a canary query over another stream keeps reading while (and after) each one runs.
/// The facts share one process; the peak is the process's, so each fact's check covers every reproduction run before it.
/// </summary>
public sealed class ExhaustionReproductionTests(ExhaustionReproductionTests.Service service, ITestOutputHelper output) : IClassFixture<ExhaustionReproductionTests.Service>
{
    /// <summary>The stated bound on the service's peak resident set across all the reproductions.</summary>
    private const long PeakBound = 1L << 30;

    // Above the cross join's 100,000 stored rows; the unique-key GROUP BY goes past it.
    private const int StateRows = 150_000;
    private const long MemoryStreamBytes = 96_000_000;

    public sealed class Service : IAsyncLifetime
    {
        public ServiceProcess Process { get; } = new("", new Dictionary<string, string>
        {
            ["Limits:QueryStateRows"] = StateRows.ToString(CultureInfo.InvariantCulture),
            ["Limits:MemoryStreamBytes"] = MemoryStreamBytes.ToString(CultureInfo.InvariantCulture),
        });

        public HttpClient Http { get; private set; } = null!;

        private long canaryEvents;

        public async Task InitializeAsync()
        {
            Assert.True(await Process.StartAsync(), "the service did not start: " + Process.Log);
            Http = new HttpClient { BaseAddress = new Uri(Process.BaseUrl), Timeout = TimeSpan.FromSeconds(60) };
            (await Http.PostAsJsonAsync("/api/streams", new { name = "canary" })).EnsureSuccessStatusCode();
            (await Http.PostAsJsonAsync("/api/queries", new { name = "canary_copy", sql = "SELECT n FROM canary" })).EnsureSuccessStatusCode();
        }

        /// <summary>Appends to the canary stream and waits until the canary query has read it.</summary>
        public async Task CanaryReadsAsync()
        {
            var n = Interlocked.Increment(ref canaryEvents);
            using (var appended = await AppendAsync("canary", $"{{\"n\":{n}}}"))
            {
                Assert.Equal(HttpStatusCode.OK, appended.StatusCode);
            }
            var canary = await Eventually.UntilAsync(() => Http.GetFromJsonAsync<JsonElement>("/api/queries/canary_copy"),
                q => q.GetProperty("metrics").GetProperty("eventsIn").GetInt64() >= n || q.GetProperty("state").GetString() != "running",
                "the canary query to read its event", TimeSpan.FromSeconds(30));
            Assert.Equal("running", canary.GetProperty("state").GetString());
        }

        public Task<HttpResponseMessage> AppendAsync(string stream, string ndjson) =>
            Http.PostAsync($"/api/streams/{stream}/events", new StringContent(ndjson, Encoding.UTF8, "application/x-ndjson"));

        /// <summary>The most memory the service process has held resident since it started (Linux <c>VmHWM</c>).</summary>
        public long PeakResidentBytes()
        {
            var line = File.ReadLines($"/proc/{Process.Current!.Id}/status").Single(l => l.StartsWith("VmHWM:", StringComparison.Ordinal));
            return long.Parse(line["VmHWM:".Length..].Trim().Split(' ')[0], CultureInfo.InvariantCulture) * 1024;
        }

        public void AssertPeakWithinBound(string after, ITestOutputHelper output)
        {
            var peak = PeakResidentBytes();
            output.WriteLine($"peak resident set after {after}: {peak / (1 << 20):N0} MiB");
            Assert.True(peak < PeakBound, $"after {after} the service's peak resident set is {peak / (1 << 20):N0} MiB, past the bound of {PeakBound / (1 << 20):N0} MiB");
        }

        public async Task DisposeAsync()
        {
            Http.Dispose();
            await Process.DisposeAsync();
        }
    }

    [Fact]
    public async Task A_cross_join_of_a_1024_event_batch_with_100k_rows_of_state_runs_in_bounded_memory_and_others_keep_working()
    {
        var http = service.Http;
        (await http.PostAsJsonAsync("/api/streams", new { name = "cj_left" })).EnsureSuccessStatusCode();
        (await http.PostAsJsonAsync("/api/streams", new { name = "cj_right" })).EnsureSuccessStatusCode();
        (await http.PostAsJsonAsync("/api/queries", new { name = "cj", sql = "SELECT cj_left.a, cj_right.b FROM cj_left CROSS JOIN cj_right" })).EnsureSuccessStatusCode();
        for (var from = 0; from < 100_000; from += 10_000)
        {
            using var appended = await service.AppendAsync("cj_left", Lines(from, 10_000, i => $"{{\"a\":{i}}}"));
            Assert.Equal(HttpStatusCode.OK, appended.StatusCode);
        }
        await Eventually.UntilAsync(() => http.GetFromJsonAsync<JsonElement>("/api/queries/cj"),
            q => q.GetProperty("metrics").GetProperty("eventsIn").GetInt64() == 100_000, "the join to store 100,000 left rows", TimeSpan.FromSeconds(60));

        // One batch of 1,024 events, each meeting all 100,000 stored rows: 102 M rows, which once were held at once.
        using (var batch = await service.AppendAsync("cj_right", Lines(0, 1_024, i => $"{{\"b\":{i}}}")))
        {
            Assert.Equal(HttpStatusCode.OK, batch.StatusCode);
        }
        var running = await Eventually.UntilAsync(() => http.GetFromJsonAsync<JsonElement>("/api/queries/cj"),
            q => q.GetProperty("metrics").GetProperty("rowsOut").GetInt64() >= 1_000_000 || q.GetProperty("state").GetString() != "running",
            "the join to append its first million rows", TimeSpan.FromSeconds(90));
        Assert.Equal("running", running.GetProperty("state").GetString());

        // While it fans out, another query reads, and the process stays under the bound.
        await service.CanaryReadsAsync();
        service.AssertPeakWithinBound("a million rows of the cross join", output);

        // Deleting the query ends its fan-out in the middle of an event.
        Assert.Equal(HttpStatusCode.NoContent, (await http.DeleteAsync("/api/queries/cj")).StatusCode);
        await service.CanaryReadsAsync();
        service.AssertPeakWithinBound("the cross join", output);
    }

    [Fact]
    public async Task A_group_by_on_a_unique_key_faults_at_the_state_limit_naming_it_and_others_keep_working()
    {
        var http = service.Http;
        (await http.PostAsJsonAsync("/api/streams", new { name = "gb_keys", capacity = 200_000 })).EnsureSuccessStatusCode();
        (await http.PostAsJsonAsync("/api/queries", new { name = "gb_per_key", sql = "SELECT k, COUNT(*) AS c FROM gb_keys GROUP BY k" })).EnsureSuccessStatusCode();
        for (var from = 0; from < StateRows + 10_000; from += 10_000)
        {
            using var appended = await service.AppendAsync("gb_keys", Lines(from, 10_000, i => $"{{\"k\":{i}}}"));
            Assert.Equal(HttpStatusCode.OK, appended.StatusCode);
        }
        var faulted = await Eventually.UntilAsync(() => http.GetFromJsonAsync<JsonElement>("/api/queries/gb_per_key"),
            q => q.GetProperty("state").GetString() != "running", "the unique-key GROUP BY to fault", TimeSpan.FromSeconds(60));
        Assert.Equal("faulted", faulted.GetProperty("state").GetString());
        Assert.Contains("Limits:QueryStateRows", faulted.GetProperty("error").GetString(), StringComparison.Ordinal);
        await service.CanaryReadsAsync();
        service.AssertPeakWithinBound("the unique-key GROUP BY", output);
    }

    [Fact]
    public async Task A_preview_putting_one_event_in_86_million_hop_windows_gets_400_naming_the_limit()
    {
        var http = service.Http;
        (await http.PostAsJsonAsync("/api/streams", new { name = "hop_bids", timestampField = "t" })).EnsureSuccessStatusCode();
        using var response = await http.PostAsJsonAsync("/api/queries/preview", new
        {
            sql = "SELECT COUNT(*) AS n, window_start FROM HOP(hop_bids, t, INTERVAL '1' MILLISECOND, INTERVAL '1' DAY) GROUP BY window_start",
            events = new { hop_bids = new[] { new { t = "2026-11-25T12:00:00Z" } } },
        });
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("Limits:MaxWindowsPerEvent", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        await service.CanaryReadsAsync();
        service.AssertPeakWithinBound("the HOP preview", output);
    }

    [Fact]
    public async Task Thirty_nine_memory_streams_of_capacity_ten_million_hold_little_and_appends_past_the_budget_get_507()
    {
        var http = service.Http;
        for (var i = 0; i < 39; i++)
        {
            using var created = await http.PostAsJsonAsync("/api/streams", new { name = $"ms_big_{i}", capacity = 10_000_000 });
            Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        }
        service.AssertPeakWithinBound("creating 39 streams of capacity 10,000,000", output);

        var padding = new string('x', 1_000);
        var batch = Lines(0, 500, i => $"{{\"n\":{i},\"pad\":\"{padding}\"}}");
        HttpStatusCode status;
        var appends = 0;
        do
        {
            using var response = await service.AppendAsync($"ms_big_{appends % 39}", batch);
            status = response.StatusCode;
            if (status == HttpStatusCode.InsufficientStorage)
            {
                Assert.Contains("Limits:MemoryStreamBytes", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
            }
            appends++;
        }
        while (status == HttpStatusCode.OK && appends < 1_000);
        Assert.Equal(HttpStatusCode.InsufficientStorage, status);
        service.AssertPeakWithinBound("filling the memory-stream budget", output);

        // Deleting the streams gives their bytes back, and the canary's appends (refused while the budget was full) work again.
        for (var i = 0; i < 39; i++)
        {
            Assert.Equal(HttpStatusCode.NoContent, (await http.DeleteAsync($"/api/streams/ms_big_{i}")).StatusCode);
        }
        await service.CanaryReadsAsync();
    }

    private static string Lines(int from, int count, Func<int, string> line) =>
        string.Join('\n', Enumerable.Range(from, count).Select(line));
}
