using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Http.Connections;
using Sluice.Api.Tests.Infrastructure;
using Sluice.Api.Tests.Postgres;
using Sluice.Client;
using Xunit.Abstractions;

namespace Sluice.Api.Tests.Cluster;

/// <summary>
/// SPEC §9 with three real nodes over one PostgreSQL (docs/cluster.md): a replace sent to a node that does not host the
/// query goes through its grain; a SignalR subscriber on one node follows a stream appended on another and a query output
/// hosted on a third, and resumes on another node when its own dies (that test leaves the node dead; the replace test
/// needs two live nodes only). The rolling stop is in <see cref="ClusterRollingStopTests"/>, on a cluster of its own.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class ClusterNodesTests(PostgresServer server, ThreeNodeCluster cluster, ITestOutputHelper output) : IClassFixture<ThreeNodeCluster>
{
    /// <summary>How long a wait on another process's state may take before the test fails: generous, for a slow 2-core CI machine.</summary>
    internal static readonly TimeSpan Patience = TimeSpan.FromSeconds(120);

    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(50);

    [Fact]
    public async Task A_replace_sent_to_a_node_that_does_not_host_the_query_runs_only_the_new_definition()
    {
        // Two live nodes are enough (the subscriber test may have killed one).
        var nodes = (await cluster.StartAsync(server)).Where(n => n.Service.Current is { HasExited: false }).ToList();
        await CreateStreamAsync(nodes[0], "replace_in");
        await RegisterAsync(nodes[0], "replace_q", "SELECT v FROM replace_in");
        await AppendAsync(nodes[0].Http, "replace_in", 0, 10);
        var host = await ClusterServiceNode.HostOfAsync(nodes, "replace_q", except: null, Patience);
        var other = nodes.First(n => n != host);
        await WaitForHeadAsync(other.Http, "replace_q", 10);

        using (var replaced = await other.Http.PutAsJsonAsync("/api/queries/replace_q", new { sql = "SELECT v * 10 AS w FROM replace_in" }))
        {
            Assert.True(replaced.IsSuccessStatusCode, await replaced.Content.ReadAsStringAsync());
        }
        await AppendAsync(other.Http, "replace_in", 10, 11);

        // 10 rows of the old query, the reset, then the new query's rows for all 21 events (the backfill, then live).
        await WaitForHeadAsync(other.Http, "replace_q", 32);
        var rows = await ReadAllAsync(other.Http, "replace_q");
        Assert.Equal(Enumerable.Range(0, 10).Select(v => (long)v), rows.Take(10).Select(r => r.GetProperty("v").GetInt64()));
        Assert.Equal("reset", rows[10].GetProperty("op").GetString());
        // A run of the old definition left going on its node, or a second run of the new one, would add or interleave rows here.
        Assert.Equal(Enumerable.Range(0, 21).Select(v => v * 10L), rows.Skip(11).Select(r => r.GetProperty("w").GetInt64()));
        var newHost = await ClusterServiceNode.HostOfAsync(nodes, "replace_q", except: null, Patience);
        output.WriteLine($"replace_q hosted by {host.Name}, replaced through {other.Name}, now hosted by {newHost.Name}");
        // Every node describes the new definition (the ones that did not take the PUT after their next catalog sync).
        foreach (var node in nodes)
        {
            await EventuallyAsync(async () => (await node.Http.GetFromJsonAsync<JsonElement>("/api/queries/replace_q")).GetProperty("sql").GetString()!.Contains("v * 10", StringComparison.Ordinal),
                $"{node.Name} still describes the old definition of replace_q");
        }
    }

    [Fact]
    public async Task What_one_node_creates_another_node_finds_at_once_without_waiting_for_a_sync()
    {
        var nodes = (await cluster.StartAsync(server)).Where(n => n.Service.Current is { HasExited: false }).ToList();
        var (creator, other) = (nodes[0], nodes[1]);

        // Each request goes to the other node straight after the answer of the one before: no wait for an announcement
        // or the once-a-second catalog sync. A node that does not know a name reads the shared catalog before saying 404.
        await CreateStreamAsync(creator, "at_once_in");
        await AppendAsync(other.Http, "at_once_in", 0, 5);
        await RegisterAsync(other, "at_once_q", "SELECT v FROM at_once_in");
        using (var described = await creator.Http.GetAsync("/api/queries/at_once_q"))
        {
            Assert.True(described.IsSuccessStatusCode, await described.Content.ReadAsStringAsync());
        }
        using (var stopped = await creator.Http.PostAsync("/api/queries/at_once_q/stop", null))
        {
            Assert.True(stopped.IsSuccessStatusCode, await stopped.Content.ReadAsStringAsync());
        }
        using (var deleted = await other.Http.DeleteAsync("/api/queries/at_once_q"))
        {
            Assert.True(deleted.IsSuccessStatusCode, await deleted.Content.ReadAsStringAsync());
        }

        // A name no node knows is still a 404 after the catch-up, for queries and streams alike.
        using var unknownQuery = await other.Http.GetAsync("/api/queries/no_such_query");
        Assert.Equal(System.Net.HttpStatusCode.NotFound, unknownQuery.StatusCode);
        using var unknownStream = await other.Http.PostAsync("/api/streams/no_such_stream/events", Ndjson(0, 1));
        Assert.Equal(System.Net.HttpStatusCode.NotFound, unknownStream.StatusCode);
    }

    [Fact]
    public async Task A_subscriber_follows_streams_of_other_nodes_and_resumes_on_another_node_when_its_own_dies()
    {
        var nodes = await cluster.StartAsync(server);
        Assert.All(nodes, n => Assert.False(n.Service.Current!.HasExited, $"{n.Name} is not running"));
        await CreateStreamAsync(nodes[0], "live_in");
        await RegisterAsync(nodes[0], "live_q", "SELECT v FROM live_in");
        var queryHost = await ClusterServiceNode.HostOfAsync(nodes, "live_q", except: null, Patience);
        var subscriberNode = nodes.First(n => n != queryHost);
        var appender = nodes.First(n => n != queryHost && n != subscriberNode);
        output.WriteLine($"subscriber on {subscriberNode.Name}, appends on {appender.Name}, live_q hosted by {queryHost.Name}");
        await AppendAsync(appender.Http, "live_in", 0, 50);

        // The test's stand-in for a load balancer: hub requests go to whichever node it points at.
        var balancer = new Balancer(new Uri(subscriberNode.Service.BaseUrl));
        using var client = new SluiceClient(new SluiceClientOptions
        {
            BaseAddress = new Uri(subscriberNode.Service.BaseUrl),
            ReconnectDelay = _ => TimeSpan.FromMilliseconds(200),
            ConfigureHubConnection = http =>
            {
                // Transports over HttpClient, so every request (negotiate included) passes the balancer.
                http.Transports = HttpTransportType.ServerSentEvents | HttpTransportType.LongPolling;
                http.HttpMessageHandlerFactory = inner => new BalancingHandler(balancer) { InnerHandler = inner };
            },
        });
        // Cancelled when the test ends, not on a timer: each wait below has its own deadline, however slow the machine.
        using var stop = new CancellationTokenSource();
        var followed = new Subscriber(client, "live_in", stop.Token);
        var queried = new Subscriber(client, "live_q", stop.Token);
        try
        {
            await followed.WaitForAsync(50);
            await queried.WaitForAsync(50);

            // Live: one event at a time, timed from the append's answer to its arrival at the subscriber.
            var appendedAt = new long[100];
            for (var v = 50; v < 100; v++)
            {
                await AppendAsync(appender.Http, "live_in", v, 1);
                appendedAt[v] = Stopwatch.GetTimestamp();
            }
            await followed.WaitForAsync(100);
            await queried.WaitForAsync(100);
            output.WriteLine($"append on {appender.Name} -> subscriber on {subscriberNode.Name}: stream {followed.Latency(appendedAt, 50, 100)}; " +
                             $"output of live_q hosted on {queryHost.Name}: {queried.Latency(appendedAt, 50, 100)} (shared machine)");

            await subscriberNode.Service.KillAsync();
            balancer.Target = new Uri(appender.Service.BaseUrl);
            await AppendAsync(appender.Http, "live_in", 100, 50);
            await followed.WaitForAsync(150);
            await queried.WaitForAsync(150);

            foreach (var subscriber in new[] { followed, queried })
            {
                Assert.Equal(Enumerable.Range(0, 150).Select(o => (long)o), subscriber.Received.Select(e => e.Offset));
                Assert.Equal(Enumerable.Range(0, 150).Select(v => (long)v), subscriber.Received.Select(e => e.Data.GetProperty("v").GetInt64()));
            }
            Assert.True(balancer.Redirected > 0, "no request reached the second node: the subscriptions did not resume there");
        }
        finally
        {
            await stop.CancelAsync();
            await followed.DisposeAsync();
            await queried.DisposeAsync();
        }
    }

    internal static async Task<IReadOnlyList<string>> HostedByAsync(ClusterServiceNode node)
    {
        var described = await node.Http.GetFromJsonAsync<JsonElement>("/api/cluster");
        return described.GetProperty("nodes").EnumerateArray()
            .Where(n => n.GetProperty("name").GetString() == node.Name)
            .SelectMany(n => n.GetProperty("queries").EnumerateArray().Select(q => q.GetString()!))
            .ToList();
    }

    internal static async Task CreateStreamAsync(ClusterServiceNode node, string name)
    {
        using var created = await node.Http.PostAsJsonAsync("/api/streams", new { name, storage = "postgres", schema = new { v = "bigint" } });
        Assert.True(created.IsSuccessStatusCode, await created.Content.ReadAsStringAsync());
    }

    internal static async Task RegisterAsync(ClusterServiceNode node, string name, string sql)
    {
        using var registered = await node.Http.PostAsJsonAsync("/api/queries", new { name, sql });
        Assert.True(registered.IsSuccessStatusCode, await registered.Content.ReadAsStringAsync());
    }

    /// <summary>Appends events <c>{"v": from}</c> … <c>{"v": from + count - 1}</c> in one request.</summary>
    private static async Task AppendAsync(HttpClient http, string stream, long from, int count, string? key = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, $"/api/streams/{stream}/events") { Content = Ndjson(from, count) };
        if (key is not null)
        {
            request.Headers.Add("Idempotency-Key", key);
        }
        using var response = await http.SendAsync(request);
        Assert.True(response.IsSuccessStatusCode, $"appending to {stream} answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
    }

    internal static ByteArrayContent Ndjson(long from, int count)
    {
        var body = new StringBuilder();
        for (var v = from; v < from + count; v++)
        {
            body.Append("{\"v\":").Append(v).Append("}\n");
        }
        var content = new ByteArrayContent(Encoding.UTF8.GetBytes(body.ToString()));
        content.Headers.ContentType = new MediaTypeHeaderValue("application/x-ndjson");
        return content;
    }

    internal static async Task WaitForHeadAsync(HttpClient http, string stream, long head)
    {
        await EventuallyAsync(async () => (await http.GetFromJsonAsync<JsonElement>($"/api/streams/{stream}")).GetProperty("headOffset").GetInt64() >= head,
            $"{stream} did not reach offset {head}");
    }

    internal static async Task<List<JsonElement>> ReadAllAsync(HttpClient http, string stream)
    {
        var rows = new List<JsonElement>();
        var next = 0L;
        while (true)
        {
            var page = await http.GetFromJsonAsync<JsonElement>($"/api/streams/{stream}/events?from={next}&limit=10000");
            var events = page.GetProperty("events").EnumerateArray().Select(e => e.GetProperty("data").Clone()).ToList();
            if (events.Count == 0)
            {
                return rows;
            }
            rows.AddRange(events);
            next = page.GetProperty("nextOffset").GetInt64();
        }
    }

    /// <summary>
    /// Polls <paramref name="condition"/> (an HTTP read of another process's state, which cannot signal) until it holds,
    /// failing with <paramref name="failure"/> once <paramref name="patience"/> (default <see cref="Patience"/>) has
    /// passed; the short pause only spaces the reads. An assertion that fails inside the condition fails at once.
    /// </summary>
    internal static Task EventuallyAsync(Func<Task<bool>> condition, string failure, TimeSpan? patience = null) =>
        EventuallyAsync(condition, () => failure, patience);

    /// <summary>As <see cref="EventuallyAsync(Func{Task{bool}}, string, TimeSpan?)"/>, with a failure message made when it fails (naming the last state seen).</summary>
    internal static Task EventuallyAsync(Func<Task<bool>> condition, Func<string> failure, TimeSpan? patience = null) =>
        Eventually.UntilAsync(condition, failure, patience ?? Patience, PollInterval);

    /// <summary>Polls <paramref name="probe"/> until it answers something (not null), and returns that; fails as <see cref="EventuallyAsync(Func{Task{bool}}, string, TimeSpan?)"/> does.</summary>
    internal static async Task<T> EventuallyAsync<T>(Func<Task<T?>> probe, string failure, TimeSpan? patience = null)
        where T : class
    {
        T? found = null;
        await EventuallyAsync(async () => (found = await probe()) is not null, () => failure, patience);
        return found!;
    }

    /// <summary>Where hub requests go: the node a load balancer would send them to.</summary>
    private sealed class Balancer(Uri target)
    {
        private Uri current = target;

        public Uri Target
        {
            get => Volatile.Read(ref current);
            set => Volatile.Write(ref current, value);
        }

        public Uri Original { get; } = target;

        public int Redirected;
    }

    private sealed class BalancingHandler(Balancer balancer) : DelegatingHandler
    {
        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var target = balancer.Target;
            if (target != balancer.Original)
            {
                Interlocked.Increment(ref balancer.Redirected);
            }
            request.RequestUri = new UriBuilder(request.RequestUri!) { Host = target.Host, Port = target.Port }.Uri;
            return base.SendAsync(request, cancellationToken);
        }
    }

    /// <summary>One live subscription through the .NET client, from offset 0, recording what arrives and when.</summary>
    private sealed class Subscriber : IAsyncDisposable
    {
        private readonly ConcurrentQueue<(StreamEvent Event, long At)> received = new();
        private readonly Task running;
        private readonly string stream;

        public Subscriber(SluiceClient client, string stream, CancellationToken stop)
        {
            this.stream = stream;
            running = Task.Run(async () =>
            {
                try
                {
                    await foreach (var item in client.SubscribeAsync(stream, 0, stop))
                    {
                        received.Enqueue((item, Stopwatch.GetTimestamp()));
                    }
                }
                catch (OperationCanceledException) when (stop.IsCancellationRequested)
                {
                }
            }, CancellationToken.None);
        }

        public IReadOnlyList<StreamEvent> Received => received.Select(r => r.Event).ToList();

        public Task WaitForAsync(int count) => EventuallyAsync(async () =>
        {
            if (running.IsFaulted)
            {
                // The subscription failed: its error, not a timeout, says why.
                await running;
            }
            return received.Count >= count;
        }, () => $"the subscriber of {stream} got {received.Count} events of {count}");

        /// <summary>p50/p99 from each append's answer to its event's arrival, for events with offsets <paramref name="from"/> to <paramref name="to"/> (exclusive).</summary>
        public string Latency(long[] appendedAt, int from, int to)
        {
            var latencies = received.Where(r => r.Event.Offset >= from && r.Event.Offset < to)
                .Select(r => Math.Max(0, Stopwatch.GetElapsedTime(appendedAt[r.Event.Offset], r.At).TotalMilliseconds)).Order().ToList();
            return latencies.Count == 0 ? "none" : $"p50 {latencies[latencies.Count / 2]:F1} ms, p99 {latencies[(int)(latencies.Count * 0.99)]:F1} ms";
        }

        public async ValueTask DisposeAsync()
        {
            try
            {
                await running;
            }
            catch (Exception ex) when (ex is OperationCanceledException or SubscriptionException)
            {
            }
        }
    }
}
