namespace Sluice.Reactive.Runtime.Cluster;

/// <summary>
/// Where queries run when the service is one node of a cluster (docs/cluster.md): each query is hosted by one grain,
/// on whichever node Orleans placed it. The registry of every node asks through this instead of running queries itself.
/// </summary>
public interface IQueryPlacement
{
    /// <summary>Makes sure <paramref name="query"/> runs on some node (activating its grain); returns that node's name.</summary>
    Task<string> RunAsync(string query, CancellationToken cancellationToken);

    /// <summary>Stops <paramref name="query"/> wherever it runs.</summary>
    Task StopAsync(string query, CancellationToken cancellationToken);
}
