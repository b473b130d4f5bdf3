using System.Diagnostics;
using System.Net.Http.Json;
using System.Text.Json;
using Sluice.Api.Tests.Postgres;
using Xunit.Abstractions;
using static Sluice.Api.Tests.Cluster.ClusterNodesTests;

namespace Sluice.Api.Tests.Cluster;

/// <summary>
/// A rolling restart with real processes (docs/cluster.md, "Graceful stop" and "Rolling restart"): three nodes over one
/// PostgreSQL, three queries copying one stream, events appended through the live nodes in turn; each node in turn is
/// stopped gracefully (SIGTERM), its queries move, and it is started again and rejoins before the next one stops. The later
/// stops move queries onto nodes that were restarted. Each output must hold every input event exactly once, in order: no gap
/// and no duplicate across the moves (the hand-over's final checkpoint once repeated a batch, docs/cluster.md).
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class ClusterRollingStopTests(PostgresServer server, ThreeNodeCluster cluster, ITestOutputHelper output) : IClassFixture<ThreeNodeCluster>
{
    [Fact]
    public async Task Restarting_nodes_one_at_a_time_under_ingest_moves_their_queries_losing_and_repeating_no_row()
    {
        var nodes = await cluster.StartAsync(server);
        try
        {
            await RestartEachNodeUnderIngestAsync(nodes);
        }
        catch
        {
            // Which node died or refused, and why, is in the nodes' own logs (a quiet run once found node1 refusing
            // connections seconds after the cluster started, before any stop).
            foreach (var node in nodes)
            {
                output.WriteLine($"--- {node.State} ---\n{ClusterServiceNode.Tail(node.Service.Log)}");
            }
            throw;
        }
    }

    private async Task RestartEachNodeUnderIngestAsync(IReadOnlyList<ClusterServiceNode> nodes)
    {
        string[] queries = ["roll_a", "roll_b", "roll_c"];
        await CreateStreamAsync(nodes[0], "roll_in");
        // Registered through another node at once: it reads the shared catalog when a query names a stream it does not know.
        foreach (var name in queries)
        {
            await RegisterAsync(nodes[1], name, "SELECT v FROM roll_in");
        }
        foreach (var name in queries)
        {
            await ClusterServiceNode.HostOfAsync(nodes, name, except: null, Patience);
        }

        using var stopWriting = new CancellationTokenSource();
        var writer = new RetryingWriter(nodes, "roll_in");
        var writing = writer.RunAsync(stopWriting.Token);
        var restartingAll = Stopwatch.StartNew();
        // One node at a time: a graceful stop moves its queries while events keep coming in through the others, then the node
        // starts again and rejoins. By the last stop the other two nodes are restarted ones, so they take its queries.
        var live = nodes.ToList();
        var secondLifeFrom = new Dictionary<string, int>();
        foreach (var node in nodes)
        {
            live.Remove(node);
            writer.Nodes = live.ToArray();
            var hosted = await HostedByAsync(node);
            var stopping = Stopwatch.StartNew();
            await node.StopAsync(Patience);
            var stopped = stopping.Elapsed;
            var movedTo = new List<string>();
            foreach (var name in hosted)
            {
                movedTo.Add($"{name} -> {(await ClusterServiceNode.HostOfAsync(live, name, except: node, Patience)).Name}");
            }
            var moved = stopping.Elapsed;
            var starting = Stopwatch.StartNew();
            secondLifeFrom[node.Name] = node.Service.Log.Length;
            await node.StartAsync();
            await WaitUntilActiveAsync(live.Append(node).ToArray(), node);
            output.WriteLine($"{node.Name} stopped in {stopped.TotalSeconds:F2} s, its queries hosted elsewhere after {moved.TotalSeconds:F2} s " +
                             $"({string.Join(", ", movedTo)}); started again and active in {starting.Elapsed.TotalSeconds:F2} s");
            live.Add(node);
            writer.Nodes = live.ToArray();
        }
        var beforeLast = writer.Written;
        await WaitForHeadAsync(live[0].Http, "roll_in", beforeLast + 50);
        await stopWriting.CancelAsync();
        await writing;
        var total = writer.Written;
        output.WriteLine($"restarting 3 of 3 nodes took {restartingAll.Elapsed.TotalSeconds:F1} s; {total} events appended meanwhile (shared machine)");

        foreach (var name in queries)
        {
            await WaitForHeadAsync(live[0].Http, name, total);
            var rows = await ReadAllAsync(live[0].Http, name);
            Assert.Equal(Enumerable.Range(0, (int)total).Select(v => (long)v), rows.Select(r => r.GetProperty("v").GetInt64()));
        }
        // Since it started again (its log holds both lives), no node logged an error of Sluice's or a critical one, nor was
        // told it was dead. (Orleans logs a joining node's connectivity check that must be retried as an error; it is not one.)
        foreach (var node in nodes)
        {
            var errors = node.Service.Log[secondLifeFrom[node.Name]..].Split('\n')
                .Where(l => l.StartsWith("fail: Sluice", StringComparison.Ordinal) || l.StartsWith("crit:", StringComparison.Ordinal) || l.StartsWith("FATAL", StringComparison.Ordinal))
                .ToList();
            Assert.True(errors.Count == 0, $"{node.Name} logged errors after it started again:\n{string.Join("\n", errors)}");
        }
    }

    /// <summary>Waits until every node of <paramref name="asked"/> sees <paramref name="node"/> active in the membership (its earlier life is listed as dead).</summary>
    private static async Task WaitUntilActiveAsync(IReadOnlyList<ClusterServiceNode> asked, ClusterServiceNode node)
    {
        foreach (var other in asked)
        {
            await EventuallyAsync(async () =>
            {
                var described = await other.Http.GetFromJsonAsync<JsonElement>("/api/cluster");
                return described.GetProperty("nodes").EnumerateArray()
                    .Any(n => n.GetProperty("name").GetString() == node.Name && n.GetProperty("status").GetString() == "active");
            }, $"{other.Name} does not see the restarted {node.Name} active after {Patience.TotalSeconds} s");
        }
    }

    /// <summary>
    /// Appends numbered events in batches of 5 to the nodes in turn, as long as it is not stopped; a batch that fails on one
    /// node (stopping) is sent again to the next with the same Idempotency-Key, so it is stored exactly once.
    /// </summary>
    private sealed class RetryingWriter(IReadOnlyList<ClusterServiceNode> nodes, string stream)
    {
        /// <summary>The nodes it writes through (the test takes a node out before stopping it).</summary>
        public IReadOnlyList<ClusterServiceNode> Nodes { get; set; } = nodes;

        private const int BatchSize = 5;
        private long written;

        public long Written => Interlocked.Read(ref written);

        public async Task RunAsync(CancellationToken stop)
        {
            var attempt = 0;
            for (var batch = 0; !stop.IsCancellationRequested; batch++)
            {
                while (true)
                {
                    var current = Nodes;
                    var node = current[attempt++ % current.Count];
                    try
                    {
                        using var request = new HttpRequestMessage(HttpMethod.Post, $"/api/streams/{stream}/events") { Content = Ndjson(Written, BatchSize) };
                        request.Headers.Add("Idempotency-Key", $"{stream}-{batch}");
                        using var response = await node.Http.SendAsync(request, CancellationToken.None);
                        if (response.IsSuccessStatusCode)
                        {
                            break;
                        }
                    }
                    catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
                    {
                        // That node is stopping: the next one takes the same batch.
                    }
                    // A short back-off, so that refusals (every node busy or going away at once) do not spin on a starved machine.
                    await Task.Delay(50, CancellationToken.None);
                }
                Interlocked.Add(ref written, BatchSize);
                // Paced, so ingest does not starve the nodes on this shared machine.
                await Task.Delay(20, CancellationToken.None);
            }
        }
    }
}
