using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text.Json;
using Sluice.Api.Tests.Infrastructure;
using Sluice.Api.Tests.Nexmark;
using Sluice.Api.Tests.Postgres;
using Sluice.Nexmark;
using Sluice.Nexmark.Reference;
using Xunit.Abstractions;

namespace Sluice.Api.Tests.Cluster;

/// <summary>
/// SPEC §9 with real processes (docs/cluster.md): three Release services clustered on Orleans over one PostgreSQL, Nexmark
/// q4, q5 and q7 registered over postgres streams, the generator's events appended through the nodes in turn. During
/// ingest the node hosting q5 is SIGKILLed, then the node hosting q7 is paused (SIGSTOP) for longer than failure detection
/// and resumed: its run of q7 must not write once q7 has moved (fencing). At the end every output equals the
/// independent reference: nothing lost, nothing twice. Prints the failover times. <c>SLUICE_CLUSTER_EVENTS</c> (default
/// 12000) makes it longer.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class ClusterFailoverTests(PostgresServer server, ITestOutputHelper output)
{
    private static readonly string[] Queries = ["q4", "q5", "q7"];

    private static readonly string[] Windowed = ["q5", "q7"];

    private static readonly TimeSpan MoveTimeout = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task Outputs_equal_the_reference_after_a_node_is_killed_and_another_paused_during_ingest()
    {
        var eventCount = int.TryParse(Environment.GetEnvironmentVariable("SLUICE_CLUSTER_EVENTS"), out var n) && n > 0 ? n : 12_000;
        var generated = NexmarkGenerator.Generate(eventCount, NexmarkOverHttp.Config);
        var events = generated.Concat(WatermarkAdvancers(generated[^1].DateTime.AddHours(1))).ToList();
        var database = await server.CreateDatabaseAsync(nameof(ClusterFailoverTests));
        var nodes = new List<Node>();
        var clusterId = "test-" + Guid.NewGuid().ToString("N")[..8];
        var passed = false;
        try
        {
            for (var i = 1; i <= 3; i++)
            {
                var node = new Node($"node{i}", database, clusterId);
                nodes.Add(node);
                // Generous: on a loaded machine a node (JIT, Orleans join validation) can take minutes to start.
                Assert.True(await node.Service.StartAsync(TimeSpan.FromSeconds(300)), $"node{i} did not start:\n{node.Service.Log}");
            }
            var first = nodes[0].Http;
            foreach (var definition in NexmarkStreams.Definitions("postgres"))
            {
                using var created = await first.PostAsJsonAsync("/api/streams", definition);
                Assert.True(created.IsSuccessStatusCode, await created.Content.ReadAsStringAsync());
            }
            foreach (var name in Queries)
            {
                using var registered = await nodes[1].Http.PostAsJsonAsync("/api/queries", new { name, sql = NexmarkQueries.All[name] });
                Assert.True(registered.IsSuccessStatusCode, await registered.Content.ReadAsStringAsync());
            }
            foreach (var name in Queries)
            {
                await HostOfAsync(nodes, name, except: null);
            }

            var batches = NexmarkJson.Batches(events, 250);
            var killAt = batches.Count / 3;
            var pauseAt = 2 * batches.Count / 3;
            var live = nodes.ToList();
            for (var b = 0; b < batches.Count; b++)
            {
                if (b == killAt)
                {
                    var host = await HostOfAsync(live, "q5", except: null);
                    var headAtKill = await HeadAsync(live.First(x => x != host).Http, "q5");
                    var killed = Stopwatch.StartNew();
                    output.WriteLine($"{DateTime.UtcNow:HH:mm:ss.fff} SIGKILL {host.Name}");
                    await host.Service.KillAsync();
                    live.Remove(host);
                    // Keep ingesting while measuring: q5's output only grows as new events close its windows.
                    var growth = WaitForGrowthAsync(live[0].Http, "q5", headAtKill, killed);
                    while (!growth.IsCompleted && b < pauseAt - 1)
                    {
                        await AppendAsync(live[b % live.Count].Http, batches[b++]);
                    }
                    var failover = await growth;
                    var hostNow = await HostOfAsync(live, "q5", except: host);
                    output.WriteLine($"SIGKILL {host.Name} (hosting q5) -> first new q5 output row after {failover.TotalSeconds:F2} s, q5 now on {hostNow.Name}");
                }
                if (b == pauseAt)
                {
                    var host = await HostOfAsync(live, "q7", except: null);
                    var paused = Stopwatch.StartNew();
                    output.WriteLine($"{DateTime.UtcNow:HH:mm:ss.fff} SIGSTOP {host.Name}");
                    Signal(host, "STOP");
                    live.Remove(host);
                    var moved = await HostOfAsync(live, "q7", except: host);
                    output.WriteLine($"SIGSTOP {host.Name} (hosting q7) -> q7 hosted by {moved.Name} after {paused.Elapsed.TotalSeconds:F2} s");
                    // Resumed, the paused node still runs its old q7 for a moment; every write it tries carries the old epoch.
                    Signal(host, "CONT");
                }
                await AppendAsync(live[b % live.Count].Http, batches[b]);
            }

            var reader = live[0].Http;
            var differences = new List<string>();
            foreach (var name in Queries)
            {
                var expected = ResultRows.Of(NexmarkReference.Run(name, Windowed.Contains(name) ? generated : events));
                Assert.True(expected.Count > 0, $"the reference produced no rows for {name}; the test would prove nothing");
                if (await WaitForReferenceAsync(reader, name, expected, TimeSpan.FromSeconds(120)) is { } difference)
                {
                    differences.Add($"{name} differs from the reference:\n{difference}");
                }
            }
            // When each node took over or released a query, and whether a paused owner's write was refused (it may have stopped before trying).
            foreach (var node in nodes)
            {
                foreach (var line in node.Service.Log.Split('\n').Where(l => l.Contains("hosts query", StringComparison.Ordinal) || l.Contains("releases query", StringComparison.Ordinal)
                             || l.Contains("moved to another node", StringComparison.Ordinal)))
                {
                    output.WriteLine($"{node.Name}: {line.Trim()}");
                }
            }
            Assert.True(differences.Count == 0, string.Join("\n", differences));
            passed = true;
        }
        finally
        {
            if (!passed)
            {
                foreach (var node in nodes)
                {
                    output.WriteLine($"---- {node.Name} ----\n{Tail(node.Service.Log)}");
                }
            }
            foreach (var node in nodes)
            {
                Signal(node, "CONT");
                await node.DisposeAsync();
            }
        }
    }

    /// <summary>The live node that hosts <paramref name="query"/> (as <c>GET /api/cluster</c> on the live nodes says), other than <paramref name="except"/>.</summary>
    private static async Task<Node> HostOfAsync(IReadOnlyList<Node> live, string query, Node? except)
    {
        var watch = Stopwatch.StartNew();
        while (true)
        {
            foreach (var asked in live)
            {
                try
                {
                    var cluster = await asked.Http.GetFromJsonAsync<JsonElement>("/api/cluster");
                    foreach (var member in cluster.GetProperty("nodes").EnumerateArray())
                    {
                        var name = member.GetProperty("name").GetString();
                        if (member.GetProperty("status").GetString() == "active"
                            && member.GetProperty("queries").EnumerateArray().Any(q => q.GetString() == query)
                            && live.FirstOrDefault(x => x.Name == name) is { } host && host != except)
                        {
                            return host;
                        }
                    }
                }
                catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
                {
                    // That node is going away; ask another.
                }
            }
            Assert.True(watch.Elapsed < MoveTimeout, $"no live node hosts {query} after {MoveTimeout.TotalSeconds} s");
            await Task.Delay(50);
        }
    }

    private static async Task<TimeSpan> WaitForGrowthAsync(HttpClient http, string stream, long head, Stopwatch since)
    {
        while (await HeadAsync(http, stream) <= head)
        {
            Assert.True(since.Elapsed < MoveTimeout, $"{stream} wrote nothing for {MoveTimeout.TotalSeconds} s after its node died");
            await Task.Delay(20);
        }
        return since.Elapsed;
    }

    private static async Task<long> HeadAsync(HttpClient http, string stream) =>
        (await http.GetFromJsonAsync<JsonElement>($"/api/streams/{stream}")).GetProperty("headOffset").GetInt64();

    private static async Task AppendAsync(HttpClient http, (string Stream, byte[] Body, int Count) batch)
    {
        using var content = new ByteArrayContent(batch.Body);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/x-ndjson");
        using var response = await http.PostAsync($"/api/streams/{batch.Stream}/events", content);
        Assert.True(response.IsSuccessStatusCode, $"appending to {batch.Stream} answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
    }

    /// <summary>Reads the output stream (applying <c>op</c>) until it equals <paramref name="expected"/>; the difference when time runs out, null when equal.</summary>
    private static async Task<string?> WaitForReferenceAsync(HttpClient http, string name, ResultRows expected, TimeSpan timeout)
    {
        var watch = Stopwatch.StartNew();
        while (true)
        {
            var actual = new ResultRows();
            var failures = new List<string>();
            var next = 0L;
            while (true)
            {
                var page = await http.GetFromJsonAsync<JsonElement>($"/api/streams/{name}/events?from={next}&limit=10000");
                var rows = page.GetProperty("events").EnumerateArray().ToList();
                foreach (var data in rows.Select(e => e.GetProperty("data")))
                {
                    var key = ResultRows.JsonKey(data.EnumerateObject().Where(p => p.Name != "op").Select(p => p.Value));
                    if (data.TryGetProperty("op", out var op) && op.GetString() == "-")
                    {
                        if (!actual.RemoveKey(key))
                        {
                            failures.Add("retraction of a row that is not in the result (a duplicate '-'): " + key);
                        }
                    }
                    else
                    {
                        actual.AddKey(key);
                    }
                }
                next = page.GetProperty("nextOffset").GetInt64();
                if (rows.Count == 0)
                {
                    break;
                }
            }
            if (failures.Count > 0)
            {
                return string.Join(Environment.NewLine, failures.Take(10));
            }
            var difference = ResultRows.Difference(expected, actual);
            if (difference is null)
            {
                return null;
            }
            if (watch.Elapsed > timeout)
            {
                return difference + Environment.NewLine + "query: " + await http.GetStringAsync($"/api/queries/{name}");
            }
            // Rows are still to come: read again once the output has grown.
            await OutputGrowth.WaitAsync(http, name, next, watch, timeout);
        }
    }

    /// <summary>One event per stream an hour after the last: moves every watermark past every window, joins or groups with nothing.</summary>
    private static IEnumerable<NexmarkEvent> WatermarkAdvancers(DateTime last)
    {
        yield return new Person(1, "Nobody Here", "n@h.com", "0000 0000 0000 0000", "Kent", "wa", last, "");
        yield return new Auction(1, "none", "none", 1, 2, last, last.AddSeconds(1), 2, 99, "");
        yield return new Bid(1, 1, 1, "none", "none", last, "");
    }

    private static void Signal(Node node, string signal)
    {
        if (node.Service.Current is { HasExited: false } process)
        {
            using var kill = Process.Start("kill", [$"-{signal}", process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
            kill.WaitForExit();
        }
    }

    private static string Tail(string log) => log.Length > 12000 ? log[^12000..] : log;

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>One node: the service process with its cluster settings, and a client for it.</summary>
    private sealed class Node : IAsyncDisposable
    {
        public Node(string name, string database, string clusterId)
        {
            Name = name;
            Service = new ServiceProcess(database, new Dictionary<string, string>
            {
                ["Cluster:Enabled"] = "true",
                ["Cluster:NodeName"] = name,
                ["Cluster:SiloPort"] = FreePort().ToString(System.Globalization.CultureInfo.InvariantCulture),
                ["Cluster:GatewayPort"] = FreePort().ToString(System.Globalization.CultureInfo.InvariantCulture),
                ["Cluster:ClusterId"] = clusterId,
            });
            Http = new HttpClient { BaseAddress = new Uri(Service.BaseUrl), Timeout = TimeSpan.FromSeconds(30) };
        }

        public string Name { get; }

        public ServiceProcess Service { get; }

        public HttpClient Http { get; }

        public async ValueTask DisposeAsync()
        {
            Http.Dispose();
            await Service.DisposeAsync();
        }
    }
}
