using Sluice.Reactive.Runtime;

namespace Sluice.Api.Queries;

/// <summary>Brings back the queries the catalog holds, after the streams are open and before the server takes requests.</summary>
internal sealed class QueryRecoveryStartup(QueryRegistry registry) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken) => registry.RecoverAsync(cancellationToken);

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
