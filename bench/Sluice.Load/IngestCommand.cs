using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Net.Http.Json;

namespace Sluice.Load;

/// <summary>
/// Appends to a fresh stream as fast as the service acknowledges, for a fixed duration:
/// NDJSON batches (default 1,000 events of ~100 bytes) or one event per POST.
/// </summary>
internal static class IngestCommand
{
    public static async Task<int> RunAsync(string[] args)
    {
        var options = new Options(args);
        if (options.Has("help"))
        {
            Console.WriteLine("""
                ingest --url http://127.0.0.1:5000 --storage memory|postgres --mode batch|single
                       --batch 1000 --concurrency 4 --seconds 10 [--schema] [--idempotency-keys] [--server-pid PID] [--postgres-pid POSTMASTER_PID] [--token KEY_OR_JWT]
                       [--capacity 1000000] [--delete]
                --idempotency-keys sends a unique Idempotency-Key with every request
                --server-pid and --postgres-pid add the CPU the service and the PostgreSQL server used during the run
                --capacity sets the memory stream's capacity (events); --delete deletes the stream after the run, so that
                  runs against one service leave its memory as they found it
                """);
            return 0;
        }
        var url = options.Get("url", "http://127.0.0.1:5000");
        var storage = options.Get("storage", "memory");
        var single = options.Get("mode", "batch") == "single";
        var batch = single ? 1 : options.GetInt("batch", 1000);
        var concurrency = options.GetInt("concurrency", single ? 32 : 4);
        var seconds = options.GetInt("seconds", 10);
        var pid = options.Has("server-pid") ? options.GetInt("server-pid", 0) : (int?)null;
        var postmaster = options.Has("postgres-pid") ? options.GetInt("postgres-pid", 0) : (int?)null;
        var keyed = options.Has("idempotency-keys");
        var run = Guid.NewGuid().ToString("N")[..8];

        using var client = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = concurrency, UseProxy = false })
        {
            BaseAddress = new Uri(url),
            Timeout = TimeSpan.FromSeconds(60),
        };
        if (options.Has("token"))
        {
            client.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", options.Get("token", ""));
        }
        var stream = $"ingest_{storage}_{DateTime.UtcNow:HHmmssfff}";
        var definition = new Dictionary<string, object?> { ["name"] = stream, ["storage"] = storage, ["timestampField"] = "date_time" };
        if (options.Has("schema"))
        {
            definition["schema"] = BidEvents.StreamSchema;
        }
        if (storage == "memory")
        {
            definition["capacity"] = options.GetInt("capacity", 1_000_000);
        }
        using (var created = await client.PostAsJsonAsync("/api/streams", definition))
        {
            if (!created.IsSuccessStatusCode)
            {
                Console.Error.WriteLine($"creating {stream} failed: {(int)created.StatusCode} {await created.Content.ReadAsStringAsync()}");
                return 1;
            }
        }

        // Pre-built bodies, so the client spends its CPU on sending, not on formatting.
        var bodies = Enumerable.Range(0, 64)
            .Select(i => single ? System.Text.Encoding.UTF8.GetBytes(BidEvents.One(i)) : BidEvents.Ndjson((long)i * batch, batch))
            .ToArray();
        var contentType = new MediaTypeHeaderValue(single ? "application/json" : "application/x-ndjson");

        var latencies = new LatencyRecorder(concurrency);
        var failures = 0L;
        var serverCpuBefore = Sluice.Fanout.ProcessCpu.SecondsOf(pid);
        var clientCpuBefore = Environment.CpuUsage.TotalTime;
        var postgresCpu = PostgresCpu.Start(postmaster);
        var deadline = Stopwatch.StartNew();
        var duration = TimeSpan.FromSeconds(seconds);
        var workers = Enumerable.Range(0, concurrency).Select(worker => Task.Run(async () =>
        {
            var next = worker;
            var sent = 0L;
            while (deadline.Elapsed < duration)
            {
                using var request = new HttpRequestMessage(HttpMethod.Post, $"/api/streams/{stream}/events");
                request.Content = new ByteArrayContent(bodies[next++ % bodies.Length]);
                request.Content.Headers.ContentType = contentType;
                if (keyed)
                {
                    request.Headers.Add("Idempotency-Key", $"{run}-{worker}-{sent++}");
                }
                var started = Stopwatch.GetTimestamp();
                using var response = await client.SendAsync(request);
                if (!response.IsSuccessStatusCode)
                {
                    Interlocked.Increment(ref failures);
                    continue;
                }
                latencies.Record(worker, Stopwatch.GetElapsedTime(started).TotalMilliseconds);
            }
        })).ToArray();
        await Task.WhenAll(workers);
        var elapsed = deadline.Elapsed.TotalSeconds;
        // This process's own CPU over the load: when it nears the wall time of the cores it may use, the load tool, not
        // the service, bounds the throughput.
        var serverCpu = Sluice.Fanout.ProcessCpu.SecondsOf(pid) - serverCpuBefore;
        var postgresSeconds = postgresCpu.SecondsSinceStart();
        var clientCpu = (Environment.CpuUsage.TotalTime - clientCpuBefore).TotalSeconds;

        var requests = latencies.Count;
        var info = await client.GetFromJsonAsync<System.Text.Json.JsonElement>($"/api/streams/{stream}");
        var head = info.GetProperty("headOffset").GetInt64();
        if (options.Has("delete"))
        {
            using var deleted = await client.DeleteAsync($"/api/streams/{stream}");
            if (!deleted.IsSuccessStatusCode)
            {
                Console.Error.WriteLine($"deleting {stream} failed: {(int)deleted.StatusCode} {await deleted.Content.ReadAsStringAsync()}");
                return 1;
            }
        }
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"""
            stream            {stream} ({storage}{(options.Has("schema") ? ", schema" : "")}{(keyed ? ", Idempotency-Key on every request" : "")})
            mode              {(single ? "single event per POST" : $"NDJSON batches of {batch}")}, {concurrency} concurrent clients, {elapsed:F1} s
            events appended   {head:N0} (acknowledged {requests * batch:N0}, failed requests {failures})
            events/s          {head / elapsed:N0}
            requests/s        {requests / elapsed:N0}
            latency p50       {latencies.Percentile(50):F2} ms
            latency p99       {latencies.Percentile(99):F2} ms
            server peak RSS   {ServerMemory.PeakOf(pid)}
            server CPU        {Cpu(serverCpu, head)}
            postgres CPU      {Cpu(postgresSeconds, head)}
            client CPU        {Cpu(clientCpu, head)}
            client CPU/request {clientCpu * 1e6 / Math.Max(requests, 1):F1} us
            """));
        if (serverCpu is { } s && postgresSeconds is { } p && head > 0)
        {
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"events per CPU-s  {head / (s + p):N0} (service + postgres)"));
        }
        return failures == 0 && head == requests * batch ? 0 : 1;
    }

    private static string Cpu(double? seconds, long events) => seconds is { } s
        ? string.Create(CultureInfo.InvariantCulture, $"{s:F2} s ({(events > 0 ? s * 1e6 / events : 0):F2} µs per event)")
        : "n/a";
}
