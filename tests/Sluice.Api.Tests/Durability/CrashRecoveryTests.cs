using System.Diagnostics;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Sluice.Api.Tests.Infrastructure;
using Sluice.Api.Tests.Nexmark;
using Sluice.Api.Tests.Postgres;
using Sluice.Nexmark;
using Sluice.Nexmark.Reference;
using Xunit.Abstractions;

namespace Sluice.Api.Tests.Durability;

/// <summary>
/// The crash test of SPEC §7: the Release service as a child process over a real PostgreSQL, Nexmark q3, q4, q5, q7, q8
/// and q15 (one input, one hot group: its rows depend on where the batches end, which recovery must replay) registered over postgres streams, the generator's events ingested while the service is SIGKILLed at random moments
/// and started again; at the end every output stream equals the independent reference: no row lost, none twice.
/// <c>SLUICE_CRASH_KILLS</c> (default 10) and <c>SLUICE_CRASH_EVENTS</c> (default 30000) make it a longer soak.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class CrashRecoveryTests(PostgresServer server, ITestOutputHelper output)
{
    private static readonly string[] Queries = ["q3", "q4", "q5", "q7", "q8", "q15"];

    private static readonly string[] Windowed = ["q5", "q7", "q8"];

    // A start recovers every query before Kestrel listens: generous for a slow machine.
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(120);

    [Fact]
    public async Task Nexmark_outputs_equal_the_reference_after_repeated_SIGKILLs_during_ingest()
    {
        var kills = EnvironmentNumber("SLUICE_CRASH_KILLS", 10);
        var eventCount = EnvironmentNumber("SLUICE_CRASH_EVENTS", 30_000);
        var generated = NexmarkGenerator.Generate(eventCount, NexmarkOverHttp.Config);
        var events = generated.Concat(NexmarkReferenceOutput.WatermarkAdvancers(generated[^1].DateTime.AddHours(1))).ToList();
        var database = await server.CreateDatabaseAsync(nameof(CrashRecoveryTests));
        // Checkpoints every 200 ms, so that each run of 200-1,500 ms between kills can leave one to resume from.
        await using var service = new ServiceProcess(database, new Dictionary<string, string> { ["Queries__CheckpointInterval"] = "200ms" });
        await service.StartListeningAsync(StartTimeout);
        using var http = new HttpClient { BaseAddress = new Uri(service.BaseUrl), Timeout = TimeSpan.FromSeconds(30) };

        foreach (var definition in NexmarkStreams.Definitions("postgres"))
        {
            using var created = await http.PostAsJsonAsync("/api/streams", definition);
            Assert.True(created.IsSuccessStatusCode, await created.Content.ReadAsStringAsync());
        }
        foreach (var name in Queries)
        {
            using var registered = await http.PostAsJsonAsync("/api/queries", new { name, sql = NexmarkQueries.All[name] });
            Assert.True(registered.IsSuccessStatusCode, await registered.Content.ReadAsStringAsync());
        }

        // Ingest and kill at once: the killer restarts the service after each SIGKILL; the ingester retries what went unanswered.
        var up = new ServiceGate();
        up.Open();
        var batches = NexmarkJson.Batches(events, 250);
        var ingest = Task.Run(() => IngestAsync(http, batches, up));
        var random = new Random(20261129);
        var watch = Stopwatch.StartNew();
        for (var k = 0; k < kills; k++)
        {
            await Task.Delay(random.Next(200, 1500));
            up.Close();
            await service.KillAsync();
            await service.StartListeningAsync(StartTimeout);
            up.Open();
        }
        await ingest;
        output.WriteLine($"{kills} SIGKILLs, {events.Count} events in {batches.Count} appends, {watch.Elapsed.TotalSeconds:F1} s");

        var differences = new List<string>();
        foreach (var name in Queries)
        {
            // The advancers join and group like any event in q3 and q4, so they are in those references; in the windowed
            // queries they only close the generated events' windows (their own never close, the reference would flush them).
            var expected = ResultRows.Of(NexmarkReference.Run(name, Windowed.Contains(name) ? generated : events));
            Assert.True(expected.Count > 0, $"the reference produced no rows for {name}; the test would prove nothing");
            if (await NexmarkReferenceOutput.WaitForReferenceAsync(http, name, expected, TimeSpan.FromSeconds(120)) is { } difference)
            {
                differences.Add($"{name} after {kills} SIGKILLs differs from the reference:\n{difference}");
            }
        }
        Assert.True(differences.Count == 0, string.Join("\n", differences) + $"\n---- service log ----\n{service.RecentLog}");
        var described = (await http.GetFromJsonAsync<JsonElement>("/api/queries")).EnumerateArray().ToList();
        Assert.Equal(Enumerable.Repeat("running", Queries.Length), described.Select(q => q.GetProperty("state").GetString()));
        // The last restart restored each query's operator state from a checkpoint rather than rebuilding it from its inputs.
        foreach (var query in described)
        {
            var recovery = query.GetProperty("recovery");
            Assert.True(recovery.GetProperty("fromCheckpoint").GetBoolean(), $"{query.GetProperty("name")} did not resume from a checkpoint: {recovery}");
        }
        Assert.True(described.Sum(q => q.GetProperty("recovery").GetProperty("restoredStateEntries").GetInt64()) > 0,
            "no state entry was restored by any query: " + string.Join('\n', described.Select(q => q.GetProperty("recovery").ToString())));
        foreach (var (stream, total) in batches.GroupBy(b => b.Stream).Select(g => (g.Key, g.Sum(b => (long)b.Count))))
        {
            // Every retried append went in once: the heads are the events sent, no more.
            Assert.Equal(total, await HeadAsync(http, stream, up));
        }
    }

    /// <summary>
    /// Appends every batch exactly once, as every client must: an append that failed or went unanswered (the service died,
    /// perhaps after committing it) is sent again, as it is, with the same <c>Idempotency-Key</c>, until it is answered.
    /// </summary>
    private static async Task IngestAsync(HttpClient http, IReadOnlyList<(string Stream, byte[] Body, int Count)> batches, ServiceGate up)
    {
        for (var index = 0; index < batches.Count; index++)
        {
            var (stream, body, _) = batches[index];
            while (true)
            {
                await up.WaitAsync();
                try
                {
                    using var content = new ByteArrayContent(body);
                    content.Headers.ContentType = new MediaTypeHeaderValue("application/x-ndjson");
                    using var request = new HttpRequestMessage(HttpMethod.Post, $"/api/streams/{stream}/events") { Content = content };
                    request.Headers.Add("Idempotency-Key", $"crash-test-batch-{index}");
                    using var response = await http.SendAsync(request);
                    if (response.IsSuccessStatusCode)
                    {
                        break;
                    }
                    Assert.True((int)response.StatusCode >= 500, $"appending to {stream} answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
                }
                catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
                {
                    // Unanswered: the service died under us, before or after committing. The retry with the same key tells.
                }
                await Task.Delay(20);
            }
        }
    }

    private static async Task<long> HeadAsync(HttpClient http, string stream, ServiceGate up)
    {
        while (true)
        {
            await up.WaitAsync();
            try
            {
                return (await http.GetFromJsonAsync<JsonElement>($"/api/streams/{stream}")).GetProperty("headOffset").GetInt64();
            }
            catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
            {
                await Task.Delay(50);
            }
        }
    }

    private static int EnvironmentNumber(string name, int fallback) =>
        int.TryParse(Environment.GetEnvironmentVariable(name), out var value) && value > 0 ? value : fallback;

    /// <summary>Open while the service is up; requests wait on it while the service restarts.</summary>
    private sealed class ServiceGate
    {
        private volatile TaskCompletionSource state = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public void Open() => state.TrySetResult();

        public void Close()
        {
            if (state.Task.IsCompleted)
            {
                state = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            }
        }

        public Task WaitAsync() => state.Task;
    }
}
