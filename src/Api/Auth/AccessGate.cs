using System.Security.Claims;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.Tokens;
using Sluice.Api.Live;

namespace Sluice.Api.Auth;

/// <summary>
/// The one place that decides whether a request may talk to the service at all, before any endpoint runs:
/// protected mode (loopback peers only), browser origins (REST and the hub's WebSocket), and authentication
/// (401 without a valid credential). What the caller may then do, per stream or query, is decided by its scopes
/// at the endpoint (<see cref="ScopeFilter"/>) and per subscription on the hub (<see cref="HubAccessFilter"/>).
/// </summary>
internal sealed class AccessGate(RequestDelegate next, IOptions<AuthOptions> options)
{
    private static readonly ClaimsPrincipal AnonymousLocal = new(new CallerIdentity("anonymous:loopback", ScopeSet.Admin, "Anonymous"));
    private readonly AuthOptions settings = options.Value;
    private readonly HashSet<string> allowedOrigins = new(options.Value.AllowedOrigins.Select(o => o.TrimEnd('/')), StringComparer.OrdinalIgnoreCase);

    public async Task InvokeAsync(HttpContext context)
    {
        var remote = context.Connection.RemoteIpAddress;
        if (settings.ProtectedMode && !Loopback.IsLocal(remote))
        {
            await AuthProblems.WriteAsync(context, StatusCodes.Status403Forbidden,
                "This service is in protected mode: no API key or JWT issuer is configured, so it serves loopback clients only. See docs/security.md.");
            return;
        }
        var path = context.Request.Path;
        if (!path.StartsWithSegments("/api", StringComparison.Ordinal) && !path.StartsWithSegments(LiveApi.HubPath, StringComparison.Ordinal))
        {
            await next(context);
            return;
        }
        if (!OriginAllowed(context.Request))
        {
            await AuthProblems.WriteAsync(context, StatusCodes.Status403Forbidden,
                $"Requests from the web origin '{context.Request.Headers.Origin}' are refused; add it to Auth:AllowedOrigins to allow it.");
            return;
        }
        if (!settings.HasCredentials)
        {
            // Protected mode on loopback, or Auth:AllowAnonymous: everyone who gets here may do everything. Loopback callers
            // share one principal (nothing changes a principal after this), so the common case allocates nothing.
            context.User = Loopback.IsLocal(remote)
                ? AnonymousLocal
                : new ClaimsPrincipal(new CallerIdentity($"anonymous:{remote}", ScopeSet.Admin, "Anonymous"));
            await next(context);
            return;
        }
        var result = await context.AuthenticateAsync();
        if (!result.Succeeded || CallerIdentity.Of(result.Principal) is null)
        {
            context.Response.Headers.WWWAuthenticate = "Bearer";
            await AuthProblems.WriteAsync(context, StatusCodes.Status401Unauthorized, result.Failure is { } failure
                ? Describe(failure)
                : "This service needs a credential: send 'Authorization: Bearer <API key or JWT>'.");
            return;
        }
        context.User = result.Principal!;
        await next(context);
    }

    /// <summary>No Origin (not a browser, or a same-origin GET), the service's own origin, or one configured.</summary>
    private bool OriginAllowed(HttpRequest request)
    {
        var origins = request.Headers.Origin;
        if (origins.Count == 0 || string.IsNullOrEmpty(origins[0]))
        {
            return true;
        }
        var origin = origins[0]!;
        var scheme = request.Scheme;
        var own = origin.Length == scheme.Length + 3 + request.Host.Value?.Length
                  && origin.StartsWith(scheme, StringComparison.OrdinalIgnoreCase)
                  && origin.AsSpan(scheme.Length).StartsWith("://", StringComparison.Ordinal)
                  && origin.AsSpan(scheme.Length + 3).Equals(request.Host.Value, StringComparison.OrdinalIgnoreCase);
        return own || allowedOrigins.Contains(origin);
    }

    /// <summary>Why a credential was refused, in words (never the token handler's exception text).</summary>
    private static string Describe(Exception failure) => failure switch
    {
        SecurityTokenExpiredException => "The bearer token has expired.",
        SecurityTokenNotYetValidException => "The bearer token is not valid yet.",
        SecurityTokenInvalidAudienceException => "The bearer token was issued for another audience.",
        SecurityTokenInvalidIssuerException => "The bearer token comes from an issuer this service does not trust.",
        SecurityTokenSignatureKeyNotFoundException or SecurityTokenInvalidSignatureException => "The bearer token's signature is not valid.",
        _ when failure.Message == ApiKeyHandler.InvalidKey => ApiKeyHandler.InvalidKey,
        _ => "The bearer token is not valid.",
    };
}
