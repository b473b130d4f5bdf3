using System.Text;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.AspNetCore.HostFiltering;
using Microsoft.AspNetCore.SignalR;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.Tokens;

namespace Sluice.Api.Auth;

public static class AuthSetup
{
    /// <summary>The scheme that picks the JWT handler for a token shaped like a JWT and the API key handler otherwise.</summary>
    public const string Scheme = "Sluice";

    private const string AuthenticationMiddlewareSetKey = "__AuthenticationMiddlewareSet";
    private const string AuthorizationMiddlewareSetKey = "__AuthorizationMiddlewareSet";

    /// <summary>The request item holding <see cref="ValidatedTokens.Generation"/> as it was before the token was validated.</summary>
    private static readonly object ValidatedTokensGeneration = new();

    public static IServiceCollection AddSluiceAuth(this IServiceCollection services, IConfiguration configuration)
    {
        var options = AuthOptions.From(configuration);
        services.AddSingleton(Options.Create(options));
        services.AddSingleton<StoredApiKeys>();
        services.AddSingleton<CredentialConnections>();
        services.AddSingleton<ApiKeys>();
        // After StreamStoreStartup (registered before this), which migrates the catalog the keys are read from.
        services.AddHostedService<StoredApiKeysStartup>();
        services.AddSingleton(provider => new ValidatedTokens(provider.GetRequiredService<TimeProvider>(), provider.GetRequiredService<IOptionsMonitor<JwtBearerOptions>>()));
        var authentication = services.AddAuthentication(Scheme)
            .AddPolicyScheme(Scheme, "API key or JWT", o => o.ForwardDefaultSelector = context =>
                options.Jwt.IsConfigured && BearerToken.From(context.Request) is { } token && BearerToken.LooksLikeJwt(token)
                    ? JwtBearerDefaults.AuthenticationScheme
                    : ApiKeys.Scheme)
            .AddScheme<AuthenticationSchemeOptions, ApiKeyHandler>(ApiKeys.Scheme, null);
        if (options.Jwt.IsConfigured)
        {
            authentication.AddJwtBearer(o => ConfigureJwt(o, options.Jwt));
        }
        // DNS rebinding: a page on another site that resolves its name to 127.0.0.1 reaches this service with its own
        // Host (and a matching Origin). Protected mode only answers the loopback names, unless AllowedHosts says otherwise.
        if (options.ProtectedMode && string.IsNullOrWhiteSpace(configuration["AllowedHosts"]))
        {
            services.Configure<HostFilteringOptions>(o => o.AllowedHosts = Loopback.HostNames);
        }
        services.Configure<HubOptions>(o => o.AddFilter<HubAccessFilter>());
        return services;
    }

    /// <summary>Protected mode, origins and authentication for every request, before static files and endpoints.</summary>
    public static WebApplication UseSluiceAuth(this WebApplication app)
    {
        // WebApplication adds UseAuthentication and UseAuthorization at the head of the pipeline whenever their services
        // are registered, unless the pipeline is marked as having them (these are the marks those two methods set).
        // Neither is wanted: AccessGate authenticates every API and hub request itself, so the authentication middleware
        // would run the handlers a second time on every request (and, without a credential, once for nothing), and no
        // endpoint carries authorization metadata (scopes are checked by ScopeFilter and the hub's filter). Should one
        // ever carry it, routing fails that endpoint loudly instead of serving it unchecked.
        var properties = ((IApplicationBuilder)app).Properties;
        properties[AuthenticationMiddlewareSetKey] = true;
        properties[AuthorizationMiddlewareSetKey] = true;
        app.UseMiddleware<AccessGate>();
        return app;
    }

    private static void ConfigureJwt(JwtBearerOptions o, JwtOptions jwt)
    {
        o.MapInboundClaims = false;
        if (!string.IsNullOrWhiteSpace(jwt.Authority))
        {
            o.Authority = jwt.Authority;
            // An issuer on this machine may be plain http (a test or a development identity server).
            o.RequireHttpsMetadata = !Loopback.IsLoopbackUrl(jwt.Authority);
        }
        o.TokenValidationParameters = new TokenValidationParameters
        {
            ValidateIssuer = !string.IsNullOrWhiteSpace(jwt.Issuer),
            ValidIssuer = jwt.Issuer,
            ValidateAudience = !string.IsNullOrWhiteSpace(jwt.Audience),
            ValidAudience = jwt.Audience,
            ValidateLifetime = true,
            ClockSkew = TimeSpan.FromSeconds(30),
            IssuerSigningKey = string.IsNullOrWhiteSpace(jwt.SigningKey) ? null : new SymmetricSecurityKey(Encoding.UTF8.GetBytes(jwt.SigningKey)),
        };
        o.Events = new JwtBearerEvents
        {
            // The same places as API keys: the Authorization header, or access_token on the hub path. A token validated
            // before (and not expired) is not validated again.
            OnMessageReceived = context =>
            {
                context.Token = BearerToken.From(context.Request);
                var validatedTokens = context.HttpContext.RequestServices.GetRequiredService<ValidatedTokens>();
                if (context.Token is { } token && validatedTokens.Find(token) is { } principal)
                {
                    context.Principal = principal;
                    context.Success();
                    return Task.CompletedTask;
                }
                // Read before the handler fetches the signing keys: if they change while this token is validated, it is not remembered.
                context.HttpContext.Items[ValidatedTokensGeneration] = validatedTokens.Generation;
                return Task.CompletedTask;
            },
            OnTokenValidated = context =>
            {
                var token = context.Principal!;
                var scopes = string.Join(' ', token.FindAll("scope").Concat(token.FindAll("scp")).Select(c => c.Value));
                var subject = token.FindFirst("sub")?.Value ?? token.FindFirst("client_id")?.Value ?? "unknown";
                // The caller first, as for keys, so that every later request with this token finds it with a type test
                // (CallerIdentity.Of) instead of a walk over the identities; the token's own claims stay beside it.
                var principal = new CallerPrincipal(new CallerIdentity($"jwt:{subject}", ScopeSet.Parse(scopes), JwtBearerDefaults.AuthenticationScheme));
                principal.AddIdentities(token.Identities);
                context.Principal = principal;
                if (context.SecurityToken is { } validated && BearerToken.From(context.Request) is { } raw
                    && context.HttpContext.Items[ValidatedTokensGeneration] is long generation)
                {
                    // Remembered until its expiry (validation itself would accept it for the clock skew longer).
                    context.HttpContext.RequestServices.GetRequiredService<ValidatedTokens>().Add(raw, principal, validated.ValidTo, generation);
                }
                return Task.CompletedTask;
            },
        };
    }
}
