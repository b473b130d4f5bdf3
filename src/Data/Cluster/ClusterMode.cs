namespace Sluice.Data.Cluster;

/// <summary>
/// Present (registered in the container) when this process is one node of a cluster over a shared PostgreSQL
/// (docs/cluster.md). Postgres streams then allocate offsets under a lock in PostgreSQL instead of the single-owner
/// guard, announce appends and catalog changes to the other nodes, and query outputs are fenced by owner epochs.
/// </summary>
/// <param name="NodeName">This node's name, as listed by <c>GET /api/cluster</c> and recorded as a query's owner.</param>
public sealed record ClusterMode(string NodeName)
{
    /// <summary>The LISTEN/NOTIFY channel on which nodes announce appends and catalog changes.</summary>
    public const string Channel = "sluice_streams";
}
