using Sluice.Data;
using Sluice.Data.Streams;

namespace Sluice.Api.Infrastructure;

/// <summary>Takes ownership of the PostgreSQL database and migrates its catalog (when configured), then opens every stream's log, before the server takes requests.</summary>
internal sealed class StreamStoreStartup(StreamStore store, IServiceProvider services) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        await services.PreparePostgresAsync(cancellationToken);
        await store.InitializeAsync(cancellationToken);
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
