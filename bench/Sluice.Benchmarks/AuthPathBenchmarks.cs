extern alias SluiceApi;

using System.Net;
using System.Security.Claims;
using System.Text;
using BenchmarkDotNet.Attributes;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using SluiceApi::Sluice.Api.Auth;

namespace Sluice.Benchmarks;

/// <summary>
/// What authenticating and authorizing one append costs, alone: the service's own <see cref="AccessGate"/> (protected
/// mode, origin check, credential) and <see cref="ScopeFilter"/> (<c>write:bid</c>) on an <see cref="HttpContext"/>
/// shaped like a single-event <c>POST /api/streams/bid/events</c> from 127.0.0.1, with the endpoint behind them doing
/// nothing. Each credential as its own service would be configured (as bench/auth-cost.sh starts them): none (protected
/// mode), an API key, a JWT issuer — the JWT already validated (every request after a token's first), and seen for the
/// first time (the JWT handler validates its HS256 signature; a request scope and a fresh context per call, as for a
/// real request). Run:
/// <c>dotnet run -c Release --project bench/Sluice.Benchmarks -- --filter '*AuthPath*' --job short</c>
/// </summary>
[MemoryDiagnoser]
public class AuthPathBenchmarks
{
    public enum Caller
    {
        None,
        ApiKey,
        Jwt,
        JwtFirstSeen,
    }

    private const string Key = "bench-key-0123456789abcdef0123456789";
    private const string SigningKey = "bench-signing-key-of-at-least-32-bytes-long";

    private static readonly Endpoint Append = new(
        _ => Task.CompletedTask,
        new EndpointMetadataCollection(new RequiresScope(Access.Write)),
        "HTTP: POST /api/streams/{name}/events");

    private readonly ScopeFilter scopeFilter = new();
    private ServiceProvider services = null!;
    private AccessGate gate = null!;
    private ValidatedTokens validatedTokens = null!;
    private HttpContext context = null!;
    private string? token;

    [Params(Caller.None, Caller.ApiKey, Caller.Jwt, Caller.JwtFirstSeen)]
    public Caller Credential { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        var settings = new Dictionary<string, string?>();
        switch (Credential)
        {
            case Caller.ApiKey:
                settings["Auth:Keys:bench:Secret"] = Key;
                settings["Auth:Keys:bench:Scopes"] = "admin";
                settings["Auth:Keys:other:Secret"] = "other-key-0123456789";
                settings["Auth:Keys:other:Scopes"] = "read:x";
                token = Key;
                break;
            case Caller.Jwt or Caller.JwtFirstSeen:
                settings["Auth:Jwt:SigningKey"] = SigningKey;
                settings["Auth:Jwt:Issuer"] = "bench";
                settings["Auth:Jwt:Audience"] = "sluice";
                token = Jwt();
                break;
        }
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        var collection = new ServiceCollection();
        collection.AddLogging();
        collection.AddSingleton(TimeProvider.System);
        collection.AddSingleton<IConfiguration>(configuration);
        collection.AddSluiceAuth(configuration);
        services = collection.BuildServiceProvider();
        validatedTokens = services.GetRequiredService<ValidatedTokens>();
        gate = ActivatorUtilities.CreateInstance<AccessGate>(services, (RequestDelegate)Endpoint);
        context = Request();
        if (Credential == Caller.Jwt)
        {
            // The token's first request, which the handler validates; the benchmark measures the ones after it.
            FirstSeenAsync().GetAwaiter().GetResult();
            if (validatedTokens.Count != 1)
            {
                throw new InvalidOperationException("the JWT was not remembered after its first request");
            }
        }
    }

    [GlobalCleanup]
    public void Cleanup() => services.Dispose();

    [Benchmark]
    public Task AuthenticateAndAuthorize()
    {
        if (Credential == Caller.JwtFirstSeen)
        {
            return FirstSeenAsync();
        }
        context.User = null!;
        return gate.InvokeAsync(context);
    }

    private async Task FirstSeenAsync()
    {
        validatedTokens.Forget();
        await using var scope = services.CreateAsyncScope();
        var fresh = Request();
        fresh.RequestServices = scope.ServiceProvider;
        await gate.InvokeAsync(fresh);
    }

    /// <summary>What the endpoint filters do before the append runs: the scope check, then (here) nothing.</summary>
    private Task Endpoint(HttpContext http)
    {
        var pending = scopeFilter.InvokeAsync(new DefaultEndpointFilterInvocationContext(http), static _ => ValueTask.FromResult<object?>(null));
        if (!pending.IsCompletedSuccessfully || pending.Result is not null)
        {
            throw new InvalidOperationException("the append was refused: the benchmark would measure a 401 or 403");
        }
        return Task.CompletedTask;
    }

    /// <summary>A single-event append as Kestrel hands it over: loopback peer, Host, content headers, the credential, the route's values.</summary>
    private HttpContext Request()
    {
        var http = new DefaultHttpContext();
        http.Connection.RemoteIpAddress = IPAddress.Loopback;
        http.Connection.RemotePort = 50_000;
        http.Request.Method = HttpMethods.Post;
        http.Request.Scheme = "http";
        http.Request.Host = new HostString("127.0.0.1", 5000);
        http.Request.Path = "/api/streams/bid/events";
        http.Request.ContentType = "application/json";
        http.Request.ContentLength = 160;
        if (token is not null)
        {
            http.Request.Headers.Authorization = "Bearer " + token;
        }
        http.Request.RouteValues["name"] = "bid";
        http.SetEndpoint(Append);
        return http;
    }

    /// <summary>An HS256 JWT with scope admin, valid for a day, as bench/auth-cost.sh sends.</summary>
    private static string Jwt() => new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
    {
        Issuer = "bench",
        Audience = "sluice",
        Subject = new ClaimsIdentity([new Claim("sub", "bench"), new Claim("scope", "admin")]),
        NotBefore = DateTime.UtcNow.AddMinutes(-1),
        Expires = DateTime.UtcNow.AddDays(1),
        SigningCredentials = new SigningCredentials(new SymmetricSecurityKey(Encoding.UTF8.GetBytes(SigningKey)), SecurityAlgorithms.HmacSha256),
    });
}
