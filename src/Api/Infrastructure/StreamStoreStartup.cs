using Sluice.Data.Streams;

namespace Sluice.Api.Infrastructure;

/// <summary>Opens the catalog and every stream's log before the server takes requests.</summary>
internal sealed class StreamStoreStartup(StreamStore store) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken) => store.InitializeAsync(cancellationToken);

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
