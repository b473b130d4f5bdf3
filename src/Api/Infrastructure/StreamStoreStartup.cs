using Sluice.Data;
using Sluice.Data.Cluster;
using Sluice.Data.Streams;
using Sluice.Reactive.Runtime;

namespace Sluice.Api.Infrastructure;

/// <summary>
/// Takes ownership of the PostgreSQL database and migrates its catalog (when configured), starts reading what query recovery
/// needs, then opens every stream's log, before the server takes requests.
/// </summary>
internal sealed class StreamStoreStartup(StreamStore store, IServiceProvider services, ILoggerFactory loggers) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        // The start-up timeline (docs/benchmarks.md; at Debug, so a normal start still prints one line): each phase's end, in ms after the process started.
        var timeline = loggers.CreateLogger("Sluice.Startup");
        timeline.LogDebug("Start-up: runtime running this service's code at {Runtime}; host built at {Uptime} after the process started.", RuntimeStarted.At, ProcessUptime.Now);
        await services.PreparePostgresAsync(cancellationToken);
        timeline.LogDebug("Start-up: database owned and catalog migrated at {Uptime}.", ProcessUptime.Now);
        if (services.GetService<ClusterMode>() is null)
        {
            // The queries' definitions and checkpoints are read while the streams open (QueryRecoveryStartup then takes them).
            services.GetService<QueryRegistry>()?.PrefetchRecovery();
        }
        await store.InitializeAsync(cancellationToken);
        timeline.LogDebug("Start-up: every stream open at {Uptime}.", ProcessUptime.Now);
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
