namespace Sluice.Api.Auth;

/// <summary>Endpoint metadata: the access an endpoint needs on the stream or query named by its <c>{name}</c> route value.</summary>
public sealed record RequiresScope(Access Access);

/// <summary>
/// Enforces <see cref="RequiresScope"/> for every endpoint of a route group (set once with
/// <see cref="ScopeFilterExtensions.RequireScopes"/>). Endpoints whose name is in the body (create, register)
/// or that list many names check the caller's scopes themselves.
/// </summary>
internal sealed class ScopeFilter : IEndpointFilter
{
    public ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var http = context.HttpContext;
        if (http.GetEndpoint()?.Metadata.GetMetadata<RequiresScope>() is { } required
            && http.Request.RouteValues.TryGetValue("name", out var value) && value is string name
            && Refusal(http, required.Access, name) is { } forbidden)
        {
            return ValueTask.FromResult<object?>(forbidden);
        }
        return next(context);
    }

    /// <summary>The 403 for a caller without <paramref name="access"/> on <paramref name="name"/>; null when it has it.</summary>
    internal static Microsoft.AspNetCore.Http.HttpResults.ProblemHttpResult? Refusal(HttpContext http, Access access, string name) =>
        CallerIdentity.ScopesOf(http.User).Allows(access, name) ? null : AuthProblems.Forbidden(access, name);
}

/// <summary>
/// On an endpoint's handler: it checks its <see cref="RequiresScope"/> itself, first thing (with <see cref="ScopeFilter.Refusal"/>),
/// so the group's <see cref="ScopeFilter"/> is not added to it, and the endpoint runs without a filter pipeline. For
/// the busiest endpoints only.
/// </summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class ChecksOwnScopeAttribute : Attribute;

public static class ScopeFilterExtensions
{
    private static readonly ScopeFilter Instance = new();

    /// <summary>Every endpoint of the group checks its <see cref="RequiresScope"/> before it runs; documents the 401 and 403 answers.</summary>
    public static RouteGroupBuilder RequireScopes(this RouteGroupBuilder group)
    {
        // One instance for every request: the generic overload would build a filter per request from the request's
        // services, which also creates a DI scope for a request that would otherwise need none. A handler that checks
        // its scope itself gets no filter: the factory hands back its next step unchanged, and then the endpoint has
        // no filter pipeline at all.
        group.AddEndpointFilterFactory((context, next) => context.MethodInfo.IsDefined(typeof(ChecksOwnScopeAttribute), inherit: false)
                ? next
                : invocation => Instance.InvokeAsync(invocation, next))
            .ProducesProblem(StatusCodes.Status401Unauthorized)
            .ProducesProblem(StatusCodes.Status403Forbidden);
        return group;
    }

    /// <summary>The endpoint needs <paramref name="access"/> on the name in its route.</summary>
    public static RouteHandlerBuilder RequireScope(this RouteHandlerBuilder builder, Access access) =>
        builder.WithMetadata(new RequiresScope(access));
}
