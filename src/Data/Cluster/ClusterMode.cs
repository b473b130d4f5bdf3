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

    /// <summary>
    /// Names this node's append announcements, so that its own listener can pass over them: the node moved its heads
    /// itself, after keeping the events in its tails (docs/cluster.md, "Offsets with several writers"). Unique per
    /// instance rather than per node name, so that a node started again never mistakes its earlier life's announcements for its own.
    /// </summary>
    public string Writer { get; } = Guid.NewGuid().ToString("N")[..12];
}
