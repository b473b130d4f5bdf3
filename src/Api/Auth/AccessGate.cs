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
internal sealed class AccessGate(RequestDelegate next, IOptions<AuthOptions> options, ApiKeys keys, ValidatedTokens validatedTokens)
{
    private static readonly ClaimsPrincipal AnonymousLocal = new CallerPrincipal(new CallerIdentity("anonymous:loopback", ScopeSet.Admin, "Anonymous"));
    private const string CredentialNeeded = "This service needs a credential: send 'Authorization: Bearer <API key or JWT>'.";
    private readonly AuthOptions settings = options.Value;
    private readonly HashSet<string> allowedOrigins = new(options.Value.AllowedOrigins.Select(o => o.TrimEnd('/')), StringComparer.OrdinalIgnoreCase);

    // Not async: a request that passes returns its endpoint's task directly, without a state machine of its own.
    public Task InvokeAsync(HttpContext context)
    {
        var remote = context.Connection.RemoteIpAddress;
        if (settings.ProtectedMode && !Loopback.IsLocal(remote))
        {
            return AuthProblems.WriteAsync(context, StatusCodes.Status403Forbidden,
                "This service is in protected mode: no API key or JWT issuer is configured, so it serves loopback clients only. See docs/security.md.");
        }
        var path = context.Request.Path;
        if (!path.StartsWithSegments("/api", StringComparison.Ordinal) && !path.StartsWithSegments(LiveApi.HubPath, StringComparison.Ordinal))
        {
            return next(context);
        }
        if (!OriginAllowed(context.Request))
        {
            return AuthProblems.WriteAsync(context, StatusCodes.Status403Forbidden,
                $"Requests from the web origin '{context.Request.Headers.Origin}' are refused; add it to Auth:AllowedOrigins to allow it.");
        }
        if (!settings.HasCredentials)
        {
            // Protected mode on loopback, or Auth:AllowAnonymous: everyone who gets here may do everything. Loopback callers
            // share one principal (nothing changes a principal after this), so the common case allocates nothing.
            context.User = Loopback.IsLocal(remote)
                ? AnonymousLocal
                : new CallerPrincipal(new CallerIdentity($"anonymous:{remote}", ScopeSet.Admin, "Anonymous"));
            return next(context);
        }
        switch (Recognise(context.Request, out var known))
        {
            case Recognition.Known:
                context.User = known!;
                return next(context);
            case Recognition.UnknownKey:
                return RefuseAsync(context, ApiKeyHandler.InvalidKey);
            default:
                return AuthenticateAsync(context);
        }
    }

    private enum Recognition
    {
        /// <summary>An API key, or a JWT validated before and not expired: its principal, found without the authentication handlers.</summary>
        Known,

        /// <summary>An API key that is not one (what <see cref="ApiKeyHandler"/> would answer too).</summary>
        UnknownKey,

        /// <summary>No bearer header, or a JWT not seen yet: the authentication handlers decide.</summary>
        ForHandlers,
    }

    /// <summary>
    /// The common case of every request after the first, without the authentication service: the handlers cost a policy
    /// scheme and a handler instance per request, a ticket, a result, and for a key, strings for the token and its hash.
    /// The same rules as the handlers (<see cref="AuthSetup"/>'s scheme selector): a token shaped like a JWT goes to the
    /// JWT handler when an issuer is configured, anything else is an API key. An API key is hashed and looked up on every
    /// request (nothing is remembered per secret), so a revoked key stops with the next request.
    /// </summary>
    private Recognition Recognise(HttpRequest request, out ClaimsPrincipal? principal)
    {
        principal = null;
        if (!BearerToken.TryFromHeader(request, out var token) || token.IsEmpty)
        {
            return Recognition.ForHandlers;
        }
        if (settings.Jwt.IsConfigured && BearerToken.LooksLikeJwt(token))
        {
            principal = validatedTokens.Find(token);
            return principal is null ? Recognition.ForHandlers : Recognition.Known;
        }
        principal = keys.Find(token);
        return principal is null ? Recognition.UnknownKey : Recognition.Known;
    }

    private async Task AuthenticateAsync(HttpContext context)
    {
        var result = await context.AuthenticateAsync();
        if (!result.Succeeded || CallerIdentity.Of(result.Principal) is null)
        {
            await RefuseAsync(context, result.Failure is { } failure ? Describe(failure) : CredentialNeeded);
            return;
        }
        context.User = result.Principal!;
        await next(context);
    }

    private static Task RefuseAsync(HttpContext context, string detail)
    {
        context.Response.Headers.WWWAuthenticate = "Bearer";
        return AuthProblems.WriteAsync(context, StatusCodes.Status401Unauthorized, detail);
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
