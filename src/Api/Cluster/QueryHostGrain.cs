using Orleans.Placement;
using Sluice.Data.Cluster;
using Sluice.Reactive.Runtime;

namespace Sluice.Api.Cluster;

/// <summary>One registered query, hosted by whichever node Orleans activates this grain on (keyed by the query's name).</summary>
public interface IQueryHostGrain : IGrainWithStringKey
{
    /// <summary>Runs the query on this activation's node unless it already does; returns the node's name.</summary>
    Task<string> EnsureRunningAsync();

    /// <summary>Stops the query here (it was stopped, restarted or deleted) and lets the activation go.</summary>
    Task StopAsync();
}

/// <summary>
/// Hosts one query (docs/cluster.md, "Queries as grains"): on its first call it takes the query over (a new owner epoch in
/// PostgreSQL) and has this node's registry recover and run it, fenced by that epoch. When its node dies, Orleans forgets
/// the activation; the next call from any node's coordinator activates it on a live node, which recovers the query from
/// its checkpoint and journal. A graceful shutdown deactivates it, which stops the run (final checkpoint) so the query moves.
/// Placement is random so that queries spread over the nodes.
/// </summary>
[RandomPlacement]
internal sealed class QueryHostGrain(QueryRegistry registry, QueryOwners owners, ClusterMode cluster, ILogger<QueryHostGrain> logger) : Grain, IQueryHostGrain
{
    private bool hosting;

    private string Query => this.GetPrimaryKeyString();

    public async Task<string> EnsureRunningAsync()
    {
        if (!hosting)
        {
            var epoch = await owners.TakeAsync(Query, CancellationToken.None);
            hosting = await registry.HostAsync(Query, epoch, CancellationToken.None);
            if (hosting)
            {
                logger.LogInformation("Node {Node} hosts query {Query} (owner epoch {Epoch}).", cluster.NodeName, Query, epoch);
            }
            else
            {
                DeactivateOnIdle();
            }
        }
        return cluster.NodeName;
    }

    public async Task StopAsync()
    {
        if (hosting)
        {
            await registry.ReleaseAsync(Query);
            hosting = false;
        }
        DeactivateOnIdle();
    }

    public override async Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        if (hosting)
        {
            logger.LogInformation("Node {Node} releases query {Query} ({Reason}).", cluster.NodeName, Query, reason);
            await registry.ReleaseAsync(Query);
            hosting = false;
        }
    }
}
