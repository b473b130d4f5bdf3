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
    private long epoch;

    private string Query => this.GetPrimaryKeyString();

    public async Task<string> EnsureRunningAsync()
    {
        if (hosting && await LostAsync())
        {
            // Another activation of this grain (Orleans keeps one per grain, but not at every instant of a membership
            // change) took the query over and fenced this node's run; that activation has gone since, and calls come here.
            logger.LogInformation("Node {Node} takes query {Query} over again: its run here (owner epoch {Epoch}) was fenced by a later owner that has gone.", cluster.NodeName, Query, epoch);
            hosting = false;
        }
        if (!hosting)
        {
            epoch = await owners.TakeAsync(Query, CancellationToken.None);
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

    /// <summary>True when the run this activation started has ended and the owner table names a later epoch: it was fenced.</summary>
    private async Task<bool> LostAsync() =>
        registry.Find(Query) is not { Run.State: QueryState.Running } && await owners.EpochOfAsync(Query, CancellationToken.None) != epoch;

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
