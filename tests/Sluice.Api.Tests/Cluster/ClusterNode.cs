using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using Sluice.Data;
using Sluice.Data.Cluster;
using Sluice.Data.Queries;
using Sluice.Data.Streams;

namespace Sluice.Api.Tests.Cluster;

/// <summary>
/// The data side of one cluster node, in this process: its own stream store (logs, tails, heads) and catalog over a
/// database shared with the other nodes, and, once <see cref="ListenAsync"/> ran, its announcement listener. No Orleans.
/// </summary>
internal sealed class ClusterNode : IAsyncDisposable
{
    private readonly ServiceProvider services;
    private readonly CancellationTokenSource stopping = new();
    private Task listening = Task.CompletedTask;

    private ClusterNode(string name, string database)
    {
        Name = name;
        services = new ServiceCollection()
            .AddSingleton(new ClusterMode(name))
            .AddStreamStore(database)
            .AddSingleton<QueryOwners>()
            .BuildServiceProvider();
    }

    public string Name { get; }

    public StreamStore Store => services.GetRequiredService<StreamStore>();

    public QueryOwners Owners => services.GetRequiredService<QueryOwners>();

    public IQueryCatalog Queries => services.GetRequiredService<IQueryCatalog>();

    public StreamAnnouncementListener? Listener { get; private set; }

    public static async Task<ClusterNode> StartAsync(string name, string database)
    {
        var node = new ClusterNode(name, database);
        await node.services.PreparePostgresAsync(CancellationToken.None);
        await ClusterTables.EnsureAsync(node.services.GetRequiredService<NpgsqlDataSource>(), CancellationToken.None);
        await node.Store.InitializeAsync(CancellationToken.None);
        return node;
    }

    /// <summary>Starts following the other nodes' announcements; returns once the LISTEN is in place.</summary>
    public async Task ListenAsync()
    {
        Listener = new StreamAnnouncementListener(services.GetRequiredService<NpgsqlDataSource>(), Store, services.GetRequiredService<ClusterMode>(), NullLogger<StreamAnnouncementListener>.Instance);
        listening = Listener.RunAsync(stopping.Token);
        await Listener.Listening.WaitAsync(ClusterNodesTests.Patience);
    }

    public async ValueTask DisposeAsync()
    {
        await stopping.CancelAsync();
        await listening;
        await services.DisposeAsync();
        stopping.Dispose();
    }
}
