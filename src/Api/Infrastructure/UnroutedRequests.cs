namespace Sluice.Api.Infrastructure;

/// <summary>
/// Middleware that only ever answers requests no endpoint matched: the web UI's files and Swagger. WebApplication runs
/// routing at the head of the pipeline, so an API request already carries its endpoint when it reaches them, and each
/// would only hand it on, at a cost on every call: Swagger's middleware resolves its document generator from a request
/// scope it creates for that, and the static-file middlewares check the path and the endpoint. In a branch that API
/// requests skip, every answer stays the same: the static-file middlewares hand on a request with an endpoint anyway,
/// and no endpoint's route lies under Swagger's paths.
/// </summary>
internal static class UnroutedRequests
{
    public static IApplicationBuilder UseForUnroutedRequests(this IApplicationBuilder app, Action<IApplicationBuilder> configure) =>
        app.UseWhen(IsUnrouted, configure);

    /// <summary>No endpoint, or one without a request delegate: what the static-file middlewares serve (their own test).</summary>
    internal static bool IsUnrouted(HttpContext context) => context.GetEndpoint()?.RequestDelegate is null;
}
