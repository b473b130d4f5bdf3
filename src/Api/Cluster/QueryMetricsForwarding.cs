using System.Text.Json;
using Orleans.Runtime;
using Sluice.Api.Queries;
using Sluice.Reactive.Runtime;

namespace Sluice.Api.Cluster;

/// <summary>
/// Answers, on the node hosting a query, with that node's <see cref="QueryMetricsHistory"/> of it: an extension of the
/// query's <see cref="IQueryHostGrain"/>, so a call reaches whichever node runs the query (docs/cluster.md).
/// </summary>
public interface IQueryMetricsExtension : IGrainExtension
{
    /// <summary>The query's metrics history as JSON, or null when this node does not run it.</summary>
    Task<string?> MetricsHistoryJsonAsync();
}

internal sealed class QueryMetricsExtension(IGrainContext context, QueryRegistry registry, QueryMetricsHistory history) : IQueryMetricsExtension
{
    public Task<string?> MetricsHistoryJsonAsync()
    {
        var query = context.GrainId.Key.ToString()!;
        return Task.FromResult(registry.Find(query) is { Run.State: QueryState.Running } && history.For(query) is { } series
            ? JsonSerializer.Serialize(series, QueryMetricsForwarding.Json)
            : null);
    }
}

/// <summary>
/// <c>GET /api/queries/{name}</c> on a node that does not run the query: its <c>metricsHistory</c> is taken from the node
/// that does (the samples are that node's), through the query's grain. Outside a cluster, or when the host does not
/// answer within <see cref="CallTimeout"/>, this node's own (empty) series is shown.
/// </summary>
internal static class QueryMetricsForwarding
{
    public static readonly TimeSpan CallTimeout = TimeSpan.FromSeconds(2);

    internal static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public static async Task<QueryMetricsSeries?> FromHostAsync(IServiceProvider services, RegisteredQuery query, CancellationToken cancellationToken)
    {
        if (!query.RunningElsewhere || query.Run is { State: QueryState.Running } || services.GetService<IGrainFactory>() is not { } grains)
        {
            return null;
        }
        try
        {
            var json = await grains.GetGrain<IQueryHostGrain>(query.Name).AsReference<IQueryMetricsExtension>()
                .MetricsHistoryJsonAsync().WaitAsync(CallTimeout, cancellationToken);
            return json is null ? null : JsonSerializer.Deserialize<QueryMetricsSeries>(json, Json);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            // The host is moving or unreachable: this node's own series stands in.
            return null;
        }
    }
}
