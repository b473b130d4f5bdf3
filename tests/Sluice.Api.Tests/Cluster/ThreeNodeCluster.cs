using System.Diagnostics;
using System.Net.Http.Json;
using System.Text.Json;
using Sluice.Api.Tests.Postgres;

namespace Sluice.Api.Tests.Cluster;

/// <summary>
/// Three real nodes over one database, started by the first test of a class that needs them and shared by its tests (a
/// node takes tens of seconds to start on a loaded machine). Each test leaves all three running when it ends, restarting
/// any it stopped, and uses streams and queries of its own names.
/// </summary>
public sealed class ThreeNodeCluster : IAsyncLifetime
{
    private readonly SemaphoreSlim starting = new(1, 1);
    private readonly List<ClusterServiceNode> nodes = [];

    internal IReadOnlyList<ClusterServiceNode> Nodes => nodes;

    internal async Task<IReadOnlyList<ClusterServiceNode>> StartAsync(PostgresServer server)
    {
        await starting.WaitAsync();
        try
        {
            if (nodes.Count == 0)
            {
                var database = await server.CreateDatabaseAsync(nameof(ThreeNodeCluster));
                var clusterId = "test-" + Guid.NewGuid().ToString("N")[..8];
                for (var i = 1; i <= 3; i++)
                {
                    nodes.Add(new ClusterServiceNode($"node{i}", database, clusterId));
                }
                // The first alone: it creates the catalog and the cluster's tables, which on a saturated machine can take longer
                // than the others' start would wait for it; then the other two together.
                await nodes[0].StartAsync();
                await Task.WhenAll(nodes.Skip(1).Select(n => n.StartAsync()));
                await WaitUntilFormedAsync();
            }
            return nodes;
        }
        finally
        {
            starting.Release();
        }
    }

    /// <summary>
    /// Waits until every node answers and lists all three as active, so that a node lost while the cluster forms (one once
    /// refused connections seconds after the start, docs/benchmarks.md) fails here with its state and log, not as a refused
    /// request somewhere in a test.
    /// </summary>
    private async Task WaitUntilFormedAsync()
    {
        var watch = Stopwatch.StartNew();
        foreach (var node in nodes)
        {
            var seen = "";
            while (true)
            {
                Assert.True(node.Service.Current is { HasExited: false },
                    $"{node.State}\nbefore the cluster formed ({string.Join("; ", nodes.Where(n => n != node).Select(n => n.State))}). Its log:\n{ClusterServiceNode.Tail(node.Service.Log)}");
                try
                {
                    var described = await node.Http.GetFromJsonAsync<JsonElement>("/api/cluster");
                    var active = described.GetProperty("nodes").EnumerateArray()
                        .Where(n => n.GetProperty("status").GetString() == "active").Select(n => n.GetProperty("name").GetString()).ToList();
                    seen = string.Join(", ", active);
                    if (nodes.All(n => active.Contains(n.Name)))
                    {
                        break;
                    }
                }
                catch (HttpRequestException ex)
                {
                    seen = $"no answer ({ex.Message})";
                }
                Assert.True(watch.Elapsed < FormationTimeout,
                    $"{node.Name} does not list all three nodes as active {FormationTimeout.TotalSeconds} s after they started (it sees: {seen}); " +
                    $"{string.Join("; ", nodes.Select(n => n.State))}");
                await Task.Delay(100);
            }
        }
    }

    // Joining takes a few probe periods (docs/cluster.md, "Failover"); generous for a loaded machine.
    private static readonly TimeSpan FormationTimeout = TimeSpan.FromSeconds(120);

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        foreach (var node in nodes)
        {
            await node.DisposeAsync();
        }
        starting.Dispose();
    }
}
