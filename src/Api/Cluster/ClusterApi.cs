using Microsoft.AspNetCore.Http.HttpResults;
using Orleans.Runtime;
using Sluice.Api.Auth;
using Sluice.Data.Cluster;
using Sluice.Reactive.Runtime;

namespace Sluice.Api.Cluster;

/// <summary>What <c>GET /api/cluster</c> answers.</summary>
/// <param name="Enabled">False when this service runs alone (<c>Cluster:Enabled</c> is off); then <paramref name="Nodes"/> is empty.</param>
/// <param name="Node">The name of the node that answered.</param>
/// <param name="Nodes">Every node the membership table knows of, the dead included, by name.</param>
public sealed record ClusterInfo(bool Enabled, string? Node, IReadOnlyList<ClusterNodeInfo> Nodes);

/// <summary>One node of the cluster.</summary>
/// <param name="Name">Its <c>Cluster:NodeName</c>.</param>
/// <param name="Address">Its silo endpoint (address:port).</param>
/// <param name="Status">Orleans' view of it: <c>active</c>, <c>joining</c>, <c>shuttingdown</c>, <c>dead</c>…</param>
/// <param name="Queries">The running queries it hosts, by name.</param>
public sealed record ClusterNodeInfo(string Name, string Address, string Status, IReadOnlyList<string> Queries);

public static class ClusterApi
{
    public static IEndpointRouteBuilder MapCluster(this IEndpointRouteBuilder app)
    {
        // Admin only: the answer names every query of every node, whoever may read them.
        var group = app.MapGroup("/api/cluster").WithTags("Cluster").AddEndpointFilter(RequireAdmin)
            .ProducesProblem(StatusCodes.Status401Unauthorized)
            .ProducesProblem(StatusCodes.Status403Forbidden);

        group.MapGet("/", DescribeAsync)
            .WithName("GetCluster")
            .WithSummary("List the cluster's nodes, their state and the queries each hosts")
            .WithDescription("With Cluster:Enabled off, answers enabled: false and no nodes. Needs the admin scope.");
        return app;
    }

    private static ValueTask<object?> RequireAdmin(EndpointFilterInvocationContext context, EndpointFilterDelegate next) =>
        CallerIdentity.ScopesOf(context.HttpContext.User).IsAdmin
            ? next(context)
            : ValueTask.FromResult<object?>(TypedResults.Problem(
                detail: "Listing the cluster needs the scope 'admin'.",
                statusCode: StatusCodes.Status403Forbidden,
                extensions: new Dictionary<string, object?> { ["scope"] = "admin" }));

    private static async Task<Ok<ClusterInfo>> DescribeAsync(IServiceProvider services, QueryRegistry registry, CancellationToken cancellationToken)
    {
        if (services.GetService<ClusterMode>() is not { } cluster)
        {
            return TypedResults.Ok(new ClusterInfo(false, null, []));
        }
        var membership = services.GetRequiredService<IClusterMembershipService>().CurrentSnapshot;
        var owners = await services.GetRequiredService<QueryOwners>().ListAsync(cancellationToken);
        var running = registry.List().Where(q => q.State == QueryState.Running).Select(q => q.Name).ToHashSet(StringComparer.Ordinal);
        var nodes = membership.Members.Values
            .OrderBy(m => m.Name, StringComparer.Ordinal)
            .Select(m => new ClusterNodeInfo(
                m.Name,
                m.SiloAddress.Endpoint.ToString(),
                m.Status.ToString().ToLowerInvariant(),
                m.Status == SiloStatus.Active
                    ? owners.Where(o => o.Node == m.Name && running.Contains(o.Query)).Select(o => o.Query).ToArray()
                    : []))
            .ToArray();
        return TypedResults.Ok(new ClusterInfo(true, cluster.NodeName, nodes));
    }
}
