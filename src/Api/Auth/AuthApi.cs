using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;
using System.Security.Claims;

namespace Sluice.Api.Auth;

/// <summary>The credential's own view of itself, so a client (the web UI) can show who is signed in and what it may do.</summary>
public static class AuthApi
{
    public static IEndpointRouteBuilder MapAuth(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/auth").WithTags("Auth").RequireScopes();
        group.MapGet("/me", Me)
            .WithName("WhoAmI")
            .WithSummary("The caller's credential and scopes")
            .WithDescription("credentialsRequired is false when the service runs without credentials (protected mode on loopback, or Auth:AllowAnonymous).");
        return app;
    }

    private static Ok<Caller> Me(ClaimsPrincipal user, IOptions<AuthOptions> options)
    {
        var caller = CallerIdentity.Of(user);
        return TypedResults.Ok(new Caller(caller?.Credential ?? "", caller?.Scopes.ToString() ?? "", options.Value.HasCredentials));
    }
}

/// <param name="Credential"><c>key:&lt;name&gt;</c>, <c>jwt:&lt;subject&gt;</c> or <c>anonymous:&lt;address&gt;</c>.</param>
/// <param name="Scopes">Space-separated, as granted (<c>admin</c>, <c>read:bid</c>, <c>write:nexmark_*</c>…).</param>
/// <param name="CredentialsRequired">Whether this service asks every caller for a credential.</param>
public sealed record Caller(string Credential, string Scopes, bool CredentialsRequired);
