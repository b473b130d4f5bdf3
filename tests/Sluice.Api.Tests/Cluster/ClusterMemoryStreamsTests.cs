using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.Client;
using Sluice.Api.Tests.Live;
using Sluice.Api.Tests.Postgres;
using Xunit.Abstractions;

namespace Sluice.Api.Tests.Cluster;

/// <summary>
/// Memory streams in a cluster of three real nodes (SPEC §9, docs/cluster.md "Memory streams"): the node that creates one
/// owns its events, and appends, reads, describes, deletes and subscriptions made on the other nodes reach it, with the
/// owner's offsets and rows; a query over it reads them from there. When the owner is killed the events are gone: requests
/// answer 503 problem+json naming the stream until the cluster has declared the node dead, then the stream starts again,
/// empty, at offset 0 on a live node, and subscribers of the old one are ended with an error naming it.
/// One test, since the last step kills a node of the cluster it shares.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class ClusterMemoryStreamsTests(PostgresServer server, ThreeNodeCluster cluster, ITestOutputHelper output) : IClassFixture<ThreeNodeCluster>
{
    private static readonly TimeSpan Patience = ClusterNodesTests.Patience;

    [Fact]
    public async Task A_memory_stream_lives_on_the_node_that_created_it_and_starts_again_empty_when_that_node_dies()
    {
        var nodes = await cluster.StartAsync(server);
        try
        {
            await FollowAMemoryStreamAcrossNodesAsync(nodes);
        }
        catch
        {
            foreach (var node in nodes)
            {
                output.WriteLine($"--- {node.Name} ---\n{ClusterServiceNode.Tail(WithoutOrleansWarnings(node.Service.Log))}");
            }
            throw;
        }
    }

    private async Task FollowAMemoryStreamAcrossNodesAsync(IReadOnlyList<ClusterServiceNode> nodes)
    {
        var (owner, appender, reader) = (nodes[0], nodes[1], nodes[2]);
        await CreateMemoryStreamAsync(owner, "mem_in");
        await WaitUntilKnownAsync(nodes, "mem_in");
        await ClusterNodesTests.RegisterAsync(appender, "mem_q", "SELECT v * 2 AS w FROM mem_in");

        // Appends on all three nodes take the owner's offsets, one sequence.
        Assert.Equal(0, await AppendAsync(appender, "mem_in", 0, 50));
        Assert.Equal(50, await AppendAsync(reader, "mem_in", 50, 10));
        Assert.Equal(60, await AppendAsync(owner, "mem_in", 60, 10));

        // Reads and describes on any node answer what the owner holds.
        foreach (var node in nodes)
        {
            var described = await node.Http.GetFromJsonAsync<JsonElement>("/api/streams/mem_in");
            Assert.Equal(70, described.GetProperty("headOffset").GetInt64());
            Assert.Equal("memory", described.GetProperty("storage").GetString());
            var page = await node.Http.GetFromJsonAsync<JsonElement>("/api/streams/mem_in/events?from=0&limit=1000");
            var events = page.GetProperty("events").EnumerateArray().ToList();
            Assert.Equal(Enumerable.Range(0, 70).Select(o => (long)o), events.Select(e => e.GetProperty("offset").GetInt64()));
            Assert.Equal(Enumerable.Range(0, 70).Select(v => (long)v), events.Select(e => e.GetProperty("data").GetProperty("v").GetInt64()));
        }

        // A subscriber on a third node: replay, then live events appended on another.
        await using var hub = new HubConnectionBuilder().WithUrl($"{reader.Service.BaseUrl}/hubs/streams").Build();
        await hub.StartAsync();
        var received = new List<Received>();
        // Not on a timer: the subscription must last until the owner dies, however long the steps before that take on a
        // slow machine; the hub's disposal ends it if the test fails first.
        using var stop = new CancellationTokenSource();
        var subscription = Task.Run(async () =>
        {
            await foreach (var item in hub.StreamAsync<Received>("Subscribe", "mem_in", 0L, stop.Token))
            {
                lock (received)
                {
                    received.Add(item);
                }
            }
        }, CancellationToken.None);
        await WaitUntilAsync(() => Count(received) >= 70, "the subscriber on the third node did not replay 70 events");
        Assert.Equal(70, await AppendAsync(appender, "mem_in", 70, 30));
        await WaitUntilAsync(() => Count(received) >= 100, "the subscriber on the third node did not get the live events");
        lock (received)
        {
            Assert.Equal(Enumerable.Range(0, 100).Select(o => (long)o), received.Select(e => e.Offset));
            Assert.Equal(Enumerable.Range(0, 100).Select(v => (long)v), received.Select(e => e.Data.GetProperty("v").GetInt64()));
        }

        // The query, wherever it runs, read every event from the owner; its output reads the same on every node.
        await ClusterNodesTests.WaitForHeadAsync(reader.Http, "mem_q", 100);
        foreach (var node in nodes)
        {
            var rows = await ClusterNodesTests.ReadAllAsync(node.Http, "mem_q");
            Assert.Equal(Enumerable.Range(0, 100).Select(v => v * 2L), rows.Select(r => r.GetProperty("w").GetInt64()));
        }

        // Every node describes the query with the hosting node's metrics history (the samples are taken where it runs).
        // On a quiet machine the host can process all 100 events before its sampler has two samples of the run (a rate
        // needs two), so one more event is appended per poll until a sampled second holds some.
        var queryHost = await ClusterServiceNode.HostOfAsync(nodes, "mem_q", except: null, Patience);
        var nextValue = 100L;
        foreach (var node in nodes)
        {
            await ClusterNodesTests.EventuallyAsync(async () =>
            {
                await AppendAsync(appender, "mem_in", nextValue++, 1);
                var described = await node.Http.GetFromJsonAsync<JsonElement>("/api/queries/mem_q");
                return described.GetProperty("metricsHistory").GetProperty("points").EnumerateArray()
                    .Any(p => p.TryGetProperty("eventsInPerSecond", out var rate) && rate.ValueKind == JsonValueKind.Number && rate.GetDouble() > 0);
            }, $"{node.Name} does not show mem_q's events/s as sampled on {queryHost.Name}, its host");
        }

        // A delete sent to a node that does not own the stream removes it everywhere.
        await CreateMemoryStreamAsync(owner, "mem_gone");
        Assert.Equal(0, await AppendAsync(owner, "mem_gone", 0, 5));
        await WaitUntilKnownAsync(nodes, "mem_gone");
        using (var deleted = await reader.Http.DeleteAsync("/api/streams/mem_gone"))
        {
            Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);
        }
        foreach (var node in nodes)
        {
            await ClusterNodesTests.EventuallyAsync(async () =>
            {
                using var described = await node.Http.GetAsync("/api/streams/mem_gone");
                return described.StatusCode == HttpStatusCode.NotFound;
            }, $"{node.Name} still describes the deleted stream mem_gone");
        }

        // The owner dies: until the cluster has declared it dead, appends answer 503 naming the stream; then the stream
        // starts again, empty, on a live node.
        await owner.Service.KillAsync();
        var killedAt = Stopwatch.StartNew();
        var refusals = 0;
        await ClusterNodesTests.EventuallyAsync(async () =>
        {
            using var response = await SendAppendAsync(appender, "mem_in", 1000, 1);
            var body = await response.Content.ReadAsStringAsync();
            if (response.IsSuccessStatusCode)
            {
                Assert.Equal(0, JsonDocument.Parse(body).RootElement.GetProperty("firstOffset").GetInt64());
                return true;
            }
            Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
            Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
            Assert.Contains("'mem_in'", body, StringComparison.Ordinal);
            Assert.NotNull(response.Headers.RetryAfter);
            refusals++;
            return false;
        }, "mem_in did not start again on a live node after its owner was killed");
        output.WriteLine($"owner killed: {refusals} appends refused with 503, mem_in appendable again after {killedAt.Elapsed.TotalSeconds:F1} s");

        // The new incarnation holds only what was appended since, on both live nodes.
        foreach (var node in new[] { appender, reader })
        {
            await ClusterNodesTests.EventuallyAsync(async () =>
            {
                var page = await node.Http.GetFromJsonAsync<JsonElement>("/api/streams/mem_in/events?from=0&limit=1000");
                return page.GetProperty("events").EnumerateArray().Select(e => e.GetProperty("data").GetProperty("v").GetInt64()).SequenceEqual([1000L]);
            }, $"{node.Name} does not read the restarted mem_in as one event");
        }

        // The subscriber of the lost incarnation was ended with an error naming the stream.
        var ended = await Assert.ThrowsAsync<HubException>(() => subscription.WaitAsync(Patience));
        output.WriteLine($"subscriber ended with: {ended.Message}");
        Assert.Contains("Stream 'mem_in' started again, empty, at offset 0", ended.Message, StringComparison.Ordinal);
    }

    /// <summary>The node's log without Orleans' own warnings (stalls on a loaded machine), which would crowd out the service's lines.</summary>
    private static string WithoutOrleansWarnings(string log)
    {
        var kept = new System.Text.StringBuilder();
        var skipping = false;
        foreach (var line in log.Split('\n'))
        {
            if (line.Length > 0 && !char.IsWhiteSpace(line[0]))
            {
                skipping = line.Contains(": Orleans.", StringComparison.Ordinal);
            }
            if (!skipping)
            {
                kept.Append(line).Append('\n');
            }
        }
        return kept.ToString();
    }

    private static int Count(List<Received> received)
    {
        lock (received)
        {
            return received.Count;
        }
    }

    private static async Task CreateMemoryStreamAsync(ClusterServiceNode node, string name)
    {
        // Longer than the node's client allows: the first grain activation of a node that just joined compiles Orleans' and
        // the catalog's code paths, which took over 30 s on the saturated machine.
        using var patient = new HttpClient { BaseAddress = node.Http.BaseAddress, Timeout = TimeSpan.FromMinutes(3) };
        using var created = await patient.PostAsJsonAsync("/api/streams", new { name, storage = "memory", schema = new { v = "bigint" } });
        Assert.True(created.IsSuccessStatusCode, await created.Content.ReadAsStringAsync());
    }

    /// <summary>Appends <c>{"v": from}</c> … in one request; returns the first offset the owner gave them.</summary>
    private static async Task<long> AppendAsync(ClusterServiceNode node, string stream, long from, int count)
    {
        using var response = await SendAppendAsync(node, stream, from, count);
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"appending to {stream} on {node.Name} answered {(int)response.StatusCode}: {body}");
        var appended = JsonDocument.Parse(body).RootElement;
        Assert.Equal(count, appended.GetProperty("count").GetInt32());
        return appended.GetProperty("firstOffset").GetInt64();
    }

    private static Task<HttpResponseMessage> SendAppendAsync(ClusterServiceNode node, string stream, long from, int count) =>
        node.Http.PostAsync($"/api/streams/{stream}/events", ClusterNodesTests.Ndjson(from, count));

    /// <summary>Waits until every node describes <paramref name="stream"/> (the others learn of it from the catalog announcement).</summary>
    private static async Task WaitUntilKnownAsync(IReadOnlyList<ClusterServiceNode> nodes, string stream)
    {
        foreach (var node in nodes)
        {
            await ClusterNodesTests.EventuallyAsync(async () =>
            {
                using var described = await node.Http.GetAsync($"/api/streams/{stream}");
                return described.IsSuccessStatusCode;
            }, $"{node.Name} does not know {stream}");
        }
    }

    private static Task WaitUntilAsync(Func<bool> condition, string failure) =>
        ClusterNodesTests.EventuallyAsync(() => Task.FromResult(condition()), failure);
}
