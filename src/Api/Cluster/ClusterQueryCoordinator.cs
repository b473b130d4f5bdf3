using Orleans.Runtime;
using Sluice.Reactive.Runtime;

namespace Sluice.Api.Cluster;

/// <summary>
/// Every node, every second: catches up with the shared query catalog (queries registered or deleted on other nodes) and
/// calls the grain of every running query. The call is what brings a query back after its node died: once Orleans has
/// declared that node dead, the call activates the grain on a live node (docs/cluster.md, "Failover"). A call that does
/// not answer within <see cref="CallTimeout"/> (its node is dead but not yet declared) is tried again on the next tick.
/// A change of the cluster's membership (a node declared dead, or leaving) starts a tick at once rather than up to a
/// second later: that second is part of the failover time.
/// </summary>
internal sealed class ClusterQueryCoordinator(
    QueryRegistry registry, IGrainFactory grains, IClusterMembershipService membership, ILogger<ClusterQueryCoordinator> logger)
    : BackgroundService
{
    public static readonly TimeSpan Period = TimeSpan.FromSeconds(1);

    // Short, so a call stuck on a dead node does not delay the next tick; a slow recovery carries on in the grain meanwhile.
    private static readonly TimeSpan CallTimeout = TimeSpan.FromSeconds(1.5);

    // Released by a membership change; a tick waits on it for at most a period.
    private readonly SemaphoreSlim membershipChanged = new(0);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var watching = WatchMembershipAsync(stoppingToken);
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
        while (await WaitForNextTickAsync(stoppingToken));
        await watching;
    }

    /// <summary>Wakes the coordinator on each new membership view (Orleans publishes one per change it learns of).</summary>
    private async Task WatchMembershipAsync(CancellationToken stoppingToken)
    {
        try
        {
            await foreach (var _ in membership.MembershipUpdates.WithCancellation(stoppingToken))
            {
                // A node joined, left or was declared dead: its queries (if any) are looked for now. A tick costs one catalog
                // read and one grain call per running query, so waking on a join too costs nothing worth a filter.
                membershipChanged.Release();
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Stopping.
        }
        catch (Exception ex)
        {
            // The ticks carry on without it; only the second saved on a failover is lost.
            logger.LogWarning("Watching the cluster's membership failed ({Error}); queries of a dead node move on the next tick.", ex.Message);
        }
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

    /// <summary>Waits a period or until the membership changes; false once the node is stopping.</summary>
    private async Task<bool> WaitForNextTickAsync(CancellationToken stoppingToken)
    {
        try
        {
            await membershipChanged.WaitAsync(Period, stoppingToken);
            // Several changes may have come at once; one tick serves them all.
            while (membershipChanged.CurrentCount > 0 && membershipChanged.Wait(0, CancellationToken.None))
            {
            }
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    public override void Dispose()
    {
        membershipChanged.Dispose();
        base.Dispose();
    }
}
