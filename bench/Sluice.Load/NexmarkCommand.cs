using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Sluice.Nexmark;
using Sluice.Nexmark.Reference;

namespace Sluice.Load;

/// <summary>
/// Nexmark end to end over HTTP: fresh person/auction/bid memory streams, queries registered through
/// <c>POST /api/queries</c> with their unchanged texts, then pre-built NDJSON batches (1,000 generated events
/// each, split per stream) posted as fast as the service acknowledges. Throughput is input events divided by
/// the time from the first post until every query's output stream holds its expected row count
/// (from the independent reference). Bounded by <c>--events</c> and <c>--seconds</c>.
/// </summary>
internal static class NexmarkCommand
{
    public static async Task<int> RunAsync(string[] args)
    {
        var options = new Options(args);
        if (options.Has("help"))
        {
            Console.WriteLine("""
                nexmark --url http://127.0.0.1:5000 --events 1000000 --queries q0,q1,q2
                        --batch 1000 --concurrency 4 --seconds 120 [--server-pid PID] [--storage memory|postgres] [--capacity N]
                  Replaces the streams person, auction, bid and the queries nexmark_<q> on the target service.
                  --capacity: events each memory stream keeps (default: --events, so nothing is evicted; docs/benchmarks.md).
                  --storage postgres makes the queries durable, so they journal and checkpoint (docs/durability.md).
                  With --concurrency above 1 batches may land out of event-time order: fine for q0-q2, not for windowed queries.
                """);
            return 0;
        }
        var url = options.Get("url", "http://127.0.0.1:5000");
        var eventCount = options.GetInt("events", 1_000_000);
        var batchSize = options.GetInt("batch", 1000);
        var concurrency = options.GetInt("concurrency", 4);
        var seconds = options.GetInt("seconds", 120);
        var pid = options.Has("server-pid") ? options.GetInt("server-pid", 0) : (int?)null;
        var storage = options.Get("storage", "memory");
        var capacity = options.GetInt("capacity", Math.Max(eventCount, 1));
        var queries = options.Get("queries", "q0,q1,q2").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (queries.FirstOrDefault(q => !NexmarkQueries.All.ContainsKey(q)) is { } unknown)
        {
            Console.Error.WriteLine($"unknown query '{unknown}'; known: {string.Join(", ", NexmarkQueries.All.Keys)}");
            return 2;
        }

        Console.WriteLine($"generating {eventCount:N0} events and their reference results …");
        var events = NexmarkGenerator.Generate(eventCount);
        var batches = NexmarkJson.Batches(events, batchSize);
        var expected = queries.ToDictionary(q => q, q => (long)NexmarkReference.Run(q, events).Count);
        var perStream = events.GroupBy(e => e.Stream).ToDictionary(g => g.Key, g => g.LongCount());

        using var client = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = concurrency + 1, UseProxy = false })
        {
            BaseAddress = new Uri(url),
            Timeout = TimeSpan.FromSeconds(60),
        };
        if (!await ResetAsync(client, queries, capacity, storage))
        {
            return 1;
        }

        var serverCpuBefore = Sluice.Fanout.ProcessCpu.SecondsOf(pid);
        var windowStart = Stopwatch.GetTimestamp();
        var deadline = Stopwatch.StartNew();
        var limit = TimeSpan.FromSeconds(seconds);
        var contentType = new MediaTypeHeaderValue("application/x-ndjson");
        var next = -1;
        var failures = 0L;
        var posting = Enumerable.Range(0, concurrency).Select(_ => Task.Run(async () =>
        {
            int index;
            while ((index = Interlocked.Increment(ref next)) < batches.Count && deadline.Elapsed < limit)
            {
                var (stream, body, _) = batches[index];
                using var content = new ByteArrayContent(body);
                content.Headers.ContentType = contentType;
                using var response = await client.PostAsync($"/api/streams/{stream}/events", content);
                if (!response.IsSuccessStatusCode)
                {
                    Interlocked.Increment(ref failures);
                    Console.Error.WriteLine($"append to {stream} failed: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
                }
            }
        })).ToArray();
        await Task.WhenAll(posting);
        var appendedAt = deadline.Elapsed;

        // Wait for each output stream's head to reach the expected count, polling its description.
        var done = new Dictionary<string, TimeSpan>();
        var heads = queries.ToDictionary(q => q, _ => 0L);
        while (done.Count < queries.Length && deadline.Elapsed < limit)
        {
            foreach (var q in queries.Where(q => !done.ContainsKey(q)))
            {
                heads[q] = await HeadAsync(client, "nexmark_" + q);
                if (heads[q] >= expected[q])
                {
                    done[q] = deadline.Elapsed;
                }
            }
            if (done.Count < queries.Length)
            {
                await Task.Delay(20);
            }
        }
        var serverCpu = Sluice.Fanout.ProcessCpu.SecondsOf(pid) - serverCpuBefore;
        var windowEnd = Stopwatch.GetTimestamp();
        var inputHeads = new Dictionary<string, long>();
        foreach (var stream in NexmarkStreams.Names)
        {
            inputHeads[stream] = await HeadAsync(client, stream);
        }

        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"""
            events            {eventCount:N0} generated (person {perStream.GetValueOrDefault("person"):N0}, auction {perStream.GetValueOrDefault("auction"):N0}, bid {perStream.GetValueOrDefault("bid"):N0}); appended {inputHeads.Values.Sum():N0}
            batches           {batches.Count:N0} NDJSON bodies from chunks of {batchSize} events, {concurrency} concurrent clients, failed {failures}
            all appended in   {appendedAt.TotalSeconds:F2} s ({eventCount / appendedAt.TotalSeconds:N0} events/s ingest)
            measured window   {(double)windowStart / Stopwatch.Frequency:F6},{(double)windowEnd / Stopwatch.Frequency:F6} (the clock of Stopwatch, CLOCK_MONOTONIC on Linux: `perf script --time`)
            """));
        var ok = failures == 0 && inputHeads.Values.Sum() == eventCount;
        foreach (var q in queries)
        {
            if (done.TryGetValue(q, out var at))
            {
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"{q,-4} end to end       {eventCount / at.TotalSeconds,12:N0} events/s  ({expected[q]:N0} rows out in {at.TotalSeconds:F2} s)"));
            }
            else
            {
                ok = false;
                var state = await QueryStateAsync(client, "nexmark_" + q);
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"{q,-4} INCOMPLETE: {heads[q]:N0} of {expected[q]:N0} rows after {deadline.Elapsed.TotalSeconds:F0} s; query state: {state}"));
            }
        }
        if (serverCpu is { } cpu && cpu > 0)
        {
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"server CPU        {cpu:F1} s over the run: {eventCount / cpu:N0} events per server CPU-second (ingest and all queries)"));
        }
        Console.WriteLine($"server peak RSS   {ServerMemory.PeakOf(pid)}");
        return ok ? 0 : 1;
    }

    /// <summary>Deletes leftovers of an earlier run, then creates the streams and registers the queries.</summary>
    private static async Task<bool> ResetAsync(HttpClient client, string[] queries, int capacity, string storage)
    {
        foreach (var q in NexmarkQueries.All.Keys)
        {
            using var _ = await client.DeleteAsync($"/api/queries/nexmark_{q}");
            using var __ = await client.DeleteAsync($"/api/streams/nexmark_{q}");
        }
        foreach (var stream in NexmarkStreams.Names)
        {
            using var deleted = await client.DeleteAsync($"/api/streams/{stream}");
            if (deleted.StatusCode is not (HttpStatusCode.NoContent or HttpStatusCode.OK or HttpStatusCode.NotFound))
            {
                Console.Error.WriteLine($"cannot delete the existing stream {stream}: {(int)deleted.StatusCode} {await deleted.Content.ReadAsStringAsync()}");
                return false;
            }
            using var created = await client.PostAsync("/api/streams", JsonContent.Create(NexmarkStreams.Definition(stream, storage, capacity: storage == "memory" ? capacity : null)));
            if (!created.IsSuccessStatusCode)
            {
                Console.Error.WriteLine($"creating {stream} failed: {(int)created.StatusCode} {await created.Content.ReadAsStringAsync()}");
                return false;
            }
        }
        foreach (var q in queries)
        {
            using var registered = await client.PostAsJsonAsync("/api/queries", new { name = "nexmark_" + q, sql = NexmarkQueries.All[q] });
            if (!registered.IsSuccessStatusCode)
            {
                Console.Error.WriteLine($"registering {q} failed: {(int)registered.StatusCode} {await registered.Content.ReadAsStringAsync()}");
                return false;
            }
        }
        return true;
    }

    private static async Task<long> HeadAsync(HttpClient client, string stream)
    {
        using var response = await client.GetAsync($"/api/streams/{stream}");
        if (!response.IsSuccessStatusCode)
        {
            return 0;
        }
        var info = await response.Content.ReadFromJsonAsync<JsonElement>();
        return info.GetProperty("headOffset").GetInt64();
    }

    private static async Task<string> QueryStateAsync(HttpClient client, string name)
    {
        using var response = await client.GetAsync($"/api/queries/{name}");
        return $"{(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}";
    }
}
