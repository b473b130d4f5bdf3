using Npgsql;
using Sluice.Data.Cluster;

namespace Sluice.Api.Cluster;

/// <summary>
/// Before the silo starts (registered ahead of it): checks that its ports are free, then creates the cluster's tables and
/// Orleans'.
/// </summary>
internal sealed class ClusterStartup(NpgsqlDataSource dataSource, ClusterSettings settings) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        SiloPorts.EnsureFree(settings);
        await ClusterTables.EnsureAsync(dataSource, cancellationToken);
        await OrleansSchema.EnsureAsync(dataSource, cancellationToken);
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}

/// <summary>Runs the <see cref="StreamAnnouncementListener"/> for the life of the node.</summary>
internal sealed class StreamAnnouncementService(StreamAnnouncementListener listener) : BackgroundService
{
    protected override Task ExecuteAsync(CancellationToken stoppingToken) => listener.RunAsync(stoppingToken);
}
