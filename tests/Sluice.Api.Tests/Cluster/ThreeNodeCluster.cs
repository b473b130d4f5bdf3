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
                // One at a time. Two nodes compiling their start at once on a starved 2-core machine answered probes so late
                // that the running node and the other joining one voted one of them dead while it joined ("I have been told
                // I am dead", 30 Nov, load average 40); the first also creates the catalog and the cluster's tables.
                foreach (var node in nodes)
                {
                    try
                    {
                        await node.StartAsync();
                    }
                    catch (Xunit.Sdk.XunitException ex)
                    {
                        // Why a node died while joining is in the logs of the nodes that voted it dead.
                        Assert.Fail($"{ex.Message}\nThe other nodes: {string.Join("\n", nodes.Where(n => n != node).Select(n => $"--- {n.State} ---\n{ClusterServiceNode.Tail(n.Service.Log)}"))}");
                    }
                }
                await WaitUntilFormedAsync(nodes);
            }
            return nodes;
        }
        finally
        {
            starting.Release();
        }
    }

    /// <summary>
    /// Waits until every node of <paramref name="nodes"/> answers and lists them all as active, so that a node lost while
    /// the cluster forms fails here, at once, with its exit code and log, not as a refused request somewhere in a test.
    /// </summary>
    internal static async Task WaitUntilFormedAsync(IReadOnlyList<ClusterServiceNode> nodes)
    {
        foreach (var node in nodes)
        {
            var seen = "";
            await ClusterNodesTests.EventuallyAsync(async () =>
            {
                Assert.True(node.Service.Current is { HasExited: false },
                    $"{node.State}\nbefore the cluster formed ({string.Join("; ", nodes.Where(n => n != node).Select(n => n.State))}). Its log:\n{ClusterServiceNode.Tail(node.Service.Log)}");
                try
                {
                    var described = await node.Http.GetFromJsonAsync<JsonElement>("/api/cluster");
                    var active = described.GetProperty("nodes").EnumerateArray()
                        .Where(n => n.GetProperty("status").GetString() == "active").Select(n => n.GetProperty("name").GetString()).ToList();
                    seen = string.Join(", ", active);
                    return nodes.All(n => active.Contains(n.Name));
                }
                catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
                {
                    seen = $"no answer ({ex.Message})";
                    return false;
                }
            }, () => $"{node.Name} does not list all {nodes.Count} nodes as active (it sees: {seen}); {string.Join("; ", nodes.Select(n => n.State))}");
        }
    }

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
