using System.Security.Claims;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;
using Sluice.Api.Infrastructure;
using Sluice.Data.Streams;

namespace Sluice.Api.Auth;

/// <summary>
/// <c>/api/keys</c>: an admin creates, lists and revokes API keys at run time (SPEC §8). Needs PostgreSQL, where the
/// keys are kept (by hash); keys from configuration are listed too, and change only with the configuration.
/// </summary>
public static class KeysApi
{
    public static IEndpointRouteBuilder MapKeys(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/keys").WithTags("Keys").RequireScopes()
            .AddEndpointFilter<AdminOnlyFilter>()
            .ProducesProblem(StatusCodes.Status501NotImplemented);

        group.MapPost("/", CreateAsync)
            .WithName("CreateKey")
            .WithSummary("Create an API key (admin)")
            .WithDescription("Answers with the secret, shown this once: only its SHA-256 is stored. The key works at once. " +
                             "409 when the name is taken (by a stored key or one from configuration); 501 without PostgreSQL.")
            .ProducesProblem(StatusCodes.Status409Conflict);

        group.MapGet("/", ListAsync)
            .WithName("ListKeys")
            .WithSummary("List API keys (admin)")
            .WithDescription("Names, scopes and where each key comes from (catalog or configuration); never a secret.");

        group.MapDelete("/{name}", RevokeAsync)
            .WithName("RevokeKey")
            .WithSummary("Revoke an API key (admin)")
            .WithDescription("The key stops working at once, and the hub connections it opened are closed. 404 when there is no stored key of that name; 409 for a key from configuration.")
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict);
        return app;
    }

    private static async Task<Results<Created<CreatedApiKey>, ValidationProblem, ProblemHttpResult>> CreateAsync(
        CreateApiKeyRequest request, StoredApiKeys keys, IOptions<AuthOptions> options, CancellationToken cancellationToken)
    {
        if (!keys.Available)
        {
            return NeedsPostgres();
        }
        var errors = new Dictionary<string, string[]>();
        if (!StreamNames.IsValid(request.Name))
        {
            errors["name"] = [$"A key name must match {StreamNames.Pattern}."];
        }
        var scopes = string.Join(' ', (request.Scopes ?? "").Split([' ', '\t', '\n', '\r', ','], StringSplitOptions.RemoveEmptyEntries));
        if (scopes.Length == 0)
        {
            errors["scopes"] = ["Give the key at least one scope: admin, read:<pattern>, write:<pattern> or manage:<pattern>."];
        }
        else if (ScopeSet.FirstUnknown(scopes) is { } unknown)
        {
            errors["scopes"] = [$"'{unknown}' is not a scope: use admin, read:<pattern>, write:<pattern> or manage:<pattern>, where a pattern is a name or a prefix ending in *."];
        }
        if (errors.Count > 0)
        {
            return TypedResults.ValidationProblem(errors, title: "The key is invalid.");
        }
        var name = request.Name!;
        if (options.Value.Keys.ContainsKey(name))
        {
            return Problems.Conflict($"A key named '{name}' is configured (Auth:Keys:{name}); choose another name.");
        }
        return await keys.CreateAsync(name, scopes, cancellationToken) is { } created
            ? TypedResults.Created($"/api/keys/{name}", created)
            : Problems.Conflict($"A key named '{name}' already exists; revoke it first to replace it.");
    }

    private static async Task<Results<Ok<IReadOnlyList<ApiKeyInfo>>, ProblemHttpResult>> ListAsync(
        StoredApiKeys keys, IOptions<AuthOptions> options, CancellationToken cancellationToken)
    {
        var configured = options.Value.Keys
            .Select(k => new ApiKeyInfo(k.Key, ScopeSet.Parse(k.Value.Scopes).ToString(), ApiKeyInfo.Configuration, null));
        var stored = keys.Available ? await keys.ListAsync(cancellationToken) : [];
        IReadOnlyList<ApiKeyInfo> all = configured.Concat(stored).OrderBy(k => k.Name, StringComparer.Ordinal).ToList();
        return TypedResults.Ok(all);
    }

    private static async Task<Results<NoContent, ProblemHttpResult>> RevokeAsync(
        string name, StoredApiKeys keys, CredentialConnections connections, IOptions<AuthOptions> options, CancellationToken cancellationToken)
    {
        if (options.Value.Keys.ContainsKey(name))
        {
            return Problems.Conflict($"The key '{name}' comes from configuration (Auth:Keys:{name}); remove it there and restart.");
        }
        if (!keys.Available)
        {
            return NeedsPostgres();
        }
        if (!await keys.RevokeAsync(name, cancellationToken))
        {
            return Problems.Status(StatusCodes.Status404NotFound, $"There is no key named '{name}'.");
        }
        // New requests with the key already fail; hub connections it opened are closed too, subscriptions with them.
        connections.CloseAll($"key:{name}");
        return TypedResults.NoContent();
    }

    private static ProblemHttpResult NeedsPostgres() => Problems.Status(StatusCodes.Status501NotImplemented,
        "API keys are created at run time only when the service keeps its catalog in PostgreSQL (ConnectionStrings:Postgres); " +
        "without it, configure keys under Auth:Keys (docs/security.md).");

    /// <summary>Every <c>/api/keys</c> endpoint needs <c>admin</c>: a key may grant anything, so only a caller who has everything may issue one.</summary>
    private sealed class AdminOnlyFilter : IEndpointFilter
    {
        public ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next) =>
            CallerIdentity.ScopesOf(context.HttpContext.User).IsAdmin
                ? next(context)
                : ValueTask.FromResult<object?>(Problems.Status(StatusCodes.Status403Forbidden,
                    "Managing API keys needs the scope 'admin'.", new Dictionary<string, object?> { ["scope"] = "admin" }));
    }
}

/// <param name="Name">Matches <c>^[a-z][a-z0-9_]{0,62}$</c>; the credential is then <c>key:&lt;name&gt;</c>.</param>
/// <param name="Scopes">Space-separated: <c>admin</c>, <c>read:&lt;pattern&gt;</c>, <c>write:&lt;pattern&gt;</c>, <c>manage:&lt;pattern&gt;</c>.</param>
public sealed record CreateApiKeyRequest(string? Name, string? Scopes);

/// <param name="Name">The key's name; its credential is <c>key:&lt;name&gt;</c>.</param>
/// <param name="Scopes">Space-separated, as granted.</param>
/// <param name="Secret">The key to send as <c>Authorization: Bearer &lt;secret&gt;</c>. Shown this once; only its SHA-256 is kept.</param>
/// <param name="CreatedAt">When it was created.</param>
public sealed record CreatedApiKey(string Name, string Scopes, string Secret, DateTimeOffset CreatedAt);

/// <param name="Name">The key's name; its credential is <c>key:&lt;name&gt;</c>.</param>
/// <param name="Scopes">Space-separated, as granted.</param>
/// <param name="Source"><c>catalog</c> (created at /api/keys) or <c>configuration</c> (Auth:Keys).</param>
/// <param name="CreatedAt">When it was created at /api/keys; null for keys from configuration.</param>
public sealed record ApiKeyInfo(string Name, string Scopes, string Source, DateTimeOffset? CreatedAt)
{
    public const string Catalog = "catalog";
    public const string Configuration = "configuration";
}
