using Sluice.Reactive.Runtime;

namespace Sluice.Api.Queries;

/// <summary>Brings back the queries the catalog holds, after the streams are open and before the server takes requests.</summary>
internal sealed class QueryRecoveryStartup(QueryRegistry registry, ILoggerFactory loggers) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        await registry.RecoverAsync(cancellationToken);
        loggers.CreateLogger("Sluice.Startup").LogDebug("Start-up: every query recovered (checkpoints read, runs started) at {Uptime} after the process started.", ProcessUptime.Now);
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
