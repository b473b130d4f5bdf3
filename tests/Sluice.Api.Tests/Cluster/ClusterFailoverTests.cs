using System.Diagnostics;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Npgsql;
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

    // Generous, for a slow CI machine: these bound waits, the failover times are printed, not asserted.
    private static readonly TimeSpan MoveTimeout = ClusterNodesTests.Patience;

    [Fact]
    public async Task Outputs_equal_the_reference_after_a_node_is_killed_and_another_paused_during_ingest()
    {
        var eventCount = int.TryParse(Environment.GetEnvironmentVariable("SLUICE_CLUSTER_EVENTS"), out var n) && n > 0 ? n : 12_000;
        var generated = NexmarkGenerator.Generate(eventCount, NexmarkOverHttp.Config);
        var events = generated.Concat(NexmarkReferenceOutput.WatermarkAdvancers(generated[^1].DateTime.AddHours(1))).ToList();
        var database = await server.CreateDatabaseAsync(nameof(ClusterFailoverTests));
        var nodes = new List<ClusterServiceNode>();
        var clusterId = "test-" + Guid.NewGuid().ToString("N")[..8];
        var passed = false;
        try
        {
            for (var i = 1; i <= 3; i++)
            {
                var node = new ClusterServiceNode($"node{i}", database, clusterId);
                nodes.Add(node);
                await node.StartAsync();
            }
            await ThreeNodeCluster.WaitUntilFormedAsync(nodes);
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
                await ClusterServiceNode.HostOfAsync(nodes, name, except: null, MoveTimeout);
            }

            var batches = NexmarkJson.Batches(events, 250);
            var killAt = batches.Count / 3;
            var pauseAt = 2 * batches.Count / 3;
            var live = nodes.ToList();
            for (var b = 0; b < batches.Count; b++)
            {
                if (b == killAt)
                {
                    // The kill must find a checkpoint to resume from (asserted below): on a fast machine the first third of
                    // the ingest can end before q5's first checkpoint is written. An idle query still checkpoints when due.
                    await ClusterNodesTests.EventuallyAsync(() => HasCheckpointAsync(database, "q5"), "q5 never wrote a checkpoint", MoveTimeout);
                    var host = await ClusterServiceNode.HostOfAsync(live, "q5", except: null, MoveTimeout);
                    var headAtKill = await HeadAsync(live.First(x => x != host).Http, "q5");
                    var killed = Stopwatch.StartNew();
                    output.WriteLine($"{DateTime.UtcNow:HH:mm:ss.fff} SIGKILL {host.Name}");
                    await host.Service.KillAsync();
                    live.Remove(host);
                    // Where the failover time goes: the death declared (Orleans' detection and vote), the query hosted again.
                    var declaredDead = WaitForDeathAsync(live[0], host, killed);
                    var hostedAgain = TimeHostingAsync(live.ToArray(), host, killed);
                    // Keep ingesting while measuring: q5's output only grows as new events close its windows.
                    var growth = WaitForGrowthAsync(live[0].Http, "q5", headAtKill, killed);
                    while (!growth.IsCompleted && b < pauseAt - 1)
                    {
                        await AppendAsync(live[b % live.Count].Http, batches[b++]);
                    }
                    var failover = await growth;
                    var hostNow = await ClusterServiceNode.HostOfAsync(live, "q5", except: host, MoveTimeout);
                    var recovery = await RecoveryOnAsync(hostNow, "q5");
                    output.WriteLine($"SIGKILL {host.Name} (hosting q5) -> declared dead after {(await declaredDead).TotalSeconds:F2} s, q5 hosted again after " +
                                     $"{(await hostedAgain).TotalSeconds:F2} s, first new q5 output row after {failover.TotalSeconds:F2} s (failover time), q5 now on {hostNow.Name}; recovery {recovery}");
                    // The new host resumed from the operator checkpoint the dead one took, not by replaying q5's inputs from the start.
                    Assert.True(recovery.GetProperty("fromCheckpoint").GetBoolean(), $"q5 on {hostNow.Name} did not resume from a checkpoint: {recovery}");
                }
                if (b == pauseAt)
                {
                    var host = await ClusterServiceNode.HostOfAsync(live, "q7", except: null, MoveTimeout);
                    var paused = Stopwatch.StartNew();
                    output.WriteLine($"{DateTime.UtcNow:HH:mm:ss.fff} SIGSTOP {host.Name}");
                    host.Signal("STOP");
                    live.Remove(host);
                    var moved = await ClusterServiceNode.HostOfAsync(live, "q7", except: host, MoveTimeout);
                    output.WriteLine($"SIGSTOP {host.Name} (hosting q7) -> q7 hosted by {moved.Name} after {paused.Elapsed.TotalSeconds:F2} s; recovery {await RecoveryOnAsync(moved, "q7")}");
                    // Resumed, the paused node still runs its old q7 for a moment; every write it tries carries the old epoch.
                    host.Signal("CONT");
                }
                await AppendAsync(live[b % live.Count].Http, batches[b]);
            }

            var reader = live[0].Http;
            var differences = new List<string>();
            foreach (var name in Queries)
            {
                var expected = ResultRows.Of(NexmarkReference.Run(name, Windowed.Contains(name) ? generated : events));
                Assert.True(expected.Count > 0, $"the reference produced no rows for {name}; the test would prove nothing");
                if (await NexmarkReferenceOutput.WaitForReferenceAsync(reader, name, expected, TimeSpan.FromSeconds(120)) is { } difference)
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
                    output.WriteLine($"---- {node.Name} ----\n{ClusterServiceNode.Tail(node.Service.Log)}");
                }
            }
            foreach (var node in nodes)
            {
                await node.DisposeAsync();
            }
        }
    }

    /// <summary>What the recovery of <paramref name="query"/> on <paramref name="host"/> did, once it has reported (GET /api/queries/{name} on the hosting node).</summary>
    private static async Task<bool> HasCheckpointAsync(string database, string query)
    {
        await using var connection = new NpgsqlConnection(database);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT count(*) FROM query_checkpoints WHERE query = @query", connection);
        command.Parameters.AddWithValue("query", query);
        return (long)(await command.ExecuteScalarAsync() ?? 0L) > 0;
    }

    private static async Task<JsonElement> RecoveryOnAsync(ClusterServiceNode host, string query)
    {
        JsonElement info = default, recovery = default;
        await ClusterNodesTests.EventuallyAsync(async () =>
        {
            info = await host.Http.GetFromJsonAsync<JsonElement>($"/api/queries/{query}");
            return info.TryGetProperty("recovery", out recovery) && recovery.ValueKind == JsonValueKind.Object;
        }, () => $"{query} on {host.Name} reports no recovery: {info}", MoveTimeout);
        return recovery;
    }

    /// <summary>When <paramref name="asked"/> first lists <paramref name="dead"/> as dead, measured on <paramref name="since"/>.</summary>
    private static async Task<TimeSpan> WaitForDeathAsync(ClusterServiceNode asked, ClusterServiceNode dead, Stopwatch since)
    {
        await ClusterNodesTests.EventuallyAsync(async () =>
        {
            var cluster = await asked.Http.GetFromJsonAsync<JsonElement>("/api/cluster");
            return cluster.GetProperty("nodes").EnumerateArray().Any(n => n.GetProperty("name").GetString() == dead.Name && n.GetProperty("status").GetString() == "dead");
        }, $"{asked.Name} did not declare {dead.Name} dead within {MoveTimeout.TotalSeconds} s", MoveTimeout);
        return since.Elapsed;
    }

    private static async Task<TimeSpan> TimeHostingAsync(IReadOnlyList<ClusterServiceNode> live, ClusterServiceNode dead, Stopwatch since)
    {
        await ClusterServiceNode.HostOfAsync(live, "q5", except: dead, MoveTimeout);
        return since.Elapsed;
    }

    private static async Task<TimeSpan> WaitForGrowthAsync(HttpClient http, string stream, long head, Stopwatch since)
    {
        await ClusterNodesTests.EventuallyAsync(async () => await HeadAsync(http, stream) > head,
            $"{stream} wrote nothing for {MoveTimeout.TotalSeconds} s after its node died", MoveTimeout);
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
}
