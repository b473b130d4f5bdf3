using Sluice.Reactive.Runtime.Cluster;

namespace Sluice.Api.Cluster;

/// <summary>Places queries on grains: a query runs where Orleans activates its <see cref="IQueryHostGrain"/>.</summary>
internal sealed class OrleansQueryPlacement(IGrainFactory grains) : IQueryPlacement
{
    public Task<string> RunAsync(string query, CancellationToken cancellationToken) =>
        grains.GetGrain<IQueryHostGrain>(query).EnsureRunningAsync().WaitAsync(cancellationToken);

    public Task StopAsync(string query, CancellationToken cancellationToken) =>
        grains.GetGrain<IQueryHostGrain>(query).StopAsync().WaitAsync(cancellationToken);
}
