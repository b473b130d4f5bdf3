namespace Sluice.Api.Cluster;

/// <summary>The <c>Cluster</c> configuration section (README, "Configuration"; docs/cluster.md).</summary>
public sealed class ClusterSettings
{
    public const string Section = "Cluster";

    /// <summary>Makes this process an Orleans silo over the PostgreSQL of <c>ConnectionStrings:Postgres</c>; off by default.</summary>
    public bool Enabled { get; set; }

    /// <summary>This node's name (listed by <c>GET /api/cluster</c>); default the machine name and the silo port.</summary>
    public string? NodeName { get; set; }

    /// <summary>The address other nodes reach this one at; default 127.0.0.1 (a cluster on one machine).</summary>
    public string Address { get; set; } = "127.0.0.1";

    /// <summary>Port for silo-to-silo traffic.</summary>
    public int SiloPort { get; set; } = 11111;

    /// <summary>Port for Orleans clients (none of Sluice's own; set to let tools connect).</summary>
    public int GatewayPort { get; set; } = 30000;

    /// <summary>Nodes with the same id over the same database form one cluster.</summary>
    public string ClusterId { get; set; } = "sluice";

    public string ResolvedNodeName => string.IsNullOrWhiteSpace(NodeName) ? $"{Environment.MachineName}:{SiloPort}" : NodeName;
}
