using Sluice.Reactive.Runtime;

namespace Sluice.Api.Cluster;

/// <summary>
/// Every node, every second: catches up with the shared query catalog (queries registered or deleted on other nodes) and
/// calls the grain of every running query. The call is what brings a query back after its node died: once Orleans has
/// declared that node dead, the call activates the grain on a live node (docs/cluster.md, "Failover"). A call that does
/// not answer within <see cref="CallTimeout"/> (its node is dead but not yet declared) is tried again on the next tick.
/// </summary>
internal sealed class ClusterQueryCoordinator(QueryRegistry registry, IGrainFactory grains, ILogger<ClusterQueryCoordinator> logger)
    : BackgroundService
{
    public static readonly TimeSpan Period = TimeSpan.FromSeconds(1);

    // Short, so a call stuck on a dead node does not delay the next tick; a slow recovery carries on in the grain meanwhile.
    private static readonly TimeSpan CallTimeout = TimeSpan.FromSeconds(1.5);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(Period);
        do
        {
            try
            {
                var stored = await registry.SyncAsync(stoppingToken);
                await Task.WhenAll(stored.Where(q => q.Running).Select(q => EnsureRunningAsync(q.Name, stoppingToken)));
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                logger.LogWarning("Catching up with the query catalog failed ({Error}); trying again in a second.", ex.Message);
            }
        }
        while (await WaitForNextTickAsync(timer, stoppingToken));
    }

    private async Task EnsureRunningAsync(string query, CancellationToken stoppingToken)
    {
        try
        {
            await grains.GetGrain<IQueryHostGrain>(query).EnsureRunningAsync().WaitAsync(CallTimeout, stoppingToken);
        }
        catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
        {
            logger.LogDebug("Query {Query} is not running anywhere yet ({Error}); trying again.", query, ex.Message);
        }
    }

    private static async Task<bool> WaitForNextTickAsync(PeriodicTimer timer, CancellationToken stoppingToken)
    {
        try
        {
            return await timer.WaitForNextTickAsync(stoppingToken);
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }
}
