using Sluice.Data.Cluster;
using Sluice.Data.Memory;
using Sluice.Data.Streams;

namespace Sluice.Api.Cluster;

public static class ClusterMemoryStreams
{
    /// <summary>
    /// On a cluster node, memory streams are owned by one node each and reached through their grain (docs/cluster.md,
    /// "Memory streams"): the plain memory engine is kept, wrapped by <see cref="ClusterMemoryStreamEngine"/> in its place.
    /// </summary>
    public static IServiceCollection AddClusterMemoryStreams(this IServiceCollection services)
    {
        var plain = services.SingleOrDefault(d => d.ServiceType == typeof(IStreamEngine) && d.ImplementationType == typeof(MemoryStreamEngine))
            ?? throw new InvalidOperationException("AddClusterMemoryStreams expects AddStreamStore to register MemoryStreamEngine as an IStreamEngine type first.");
        services.Remove(plain);
        services.AddSingleton<MemoryStreamEngine>();
        services.AddSingleton<IMemoryStreamOwners, OrleansMemoryStreamOwners>();
        services.AddSingleton<ClusterMemoryStreamEngine>();
        services.AddSingleton<IStreamEngine>(sp => sp.GetRequiredService<ClusterMemoryStreamEngine>());
        return services;
    }
}
