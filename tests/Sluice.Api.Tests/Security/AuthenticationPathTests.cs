using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Security.Claims;
using System.Text.Json;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Sluice.Api.Auth;
using Sluice.Api.Tests.Infrastructure;

namespace Sluice.Api.Tests.Security;

/// <summary>
/// What authenticating a request costs: the framework's authentication service runs only where it must (a JWT seen for
/// the first time, a hub token in the query), never for a request without a credential, an API key, or a JWT already
/// validated; and the answers stay those of the handlers.
/// </summary>
public sealed class AuthenticationPathTests
{
    private const string Admin = "path-admin-secret-0123456789";
    private const string Writer = "path-writer-secret-0123456789";

    internal static readonly Dictionary<string, string?> Credentials = new()
    {
        ["Auth:Keys:admin:Secret"] = Admin,
        ["Auth:Keys:admin:Scopes"] = "admin",
        ["Auth:Keys:writer:Secret"] = Writer,
        ["Auth:Keys:writer:Scopes"] = "write:p_*",
        ["Auth:Jwt:SigningKey"] = SecuredServer.SigningKey,
        ["Auth:Jwt:Issuer"] = SecuredServer.Issuer,
        ["Auth:Jwt:Audience"] = SecuredServer.Audience,
    };

    [Fact]
    public async Task Requests_without_a_credential_in_protected_mode_never_run_the_authentication_service()
    {
        await using var app = new SluiceApp();
        var (factory, calls) = Counting(app);
        using var client = factory.CreateClient();
        (await client.PostAsJsonAsync("/api/streams", new { name = "p_open" })).EnsureSuccessStatusCode();
        for (var i = 0; i < 5; i++)
        {
            (await client.PostAsJsonAsync("/api/streams/p_open/events", new { v = i })).EnsureSuccessStatusCode();
        }
        Assert.Equal(5L, (await client.GetFromJsonAsync<JsonElement>("/api/streams/p_open")).GetProperty("headOffset").GetInt64());
        Assert.Equal(0, calls.Count);
    }

    [Fact]
    public async Task An_API_key_is_recognised_without_the_authentication_service_and_keeps_its_scopes()
    {
        await using var app = new SluiceApp(settings: Credentials);
        var (factory, calls) = Counting(app);
        using var admin = Client(factory, Admin);
        using var writer = Client(factory, Writer);
        (await admin.PostAsJsonAsync("/api/streams", new { name = "p_in" })).EnsureSuccessStatusCode();
        (await admin.PostAsJsonAsync("/api/streams", new { name = "q_other" })).EnsureSuccessStatusCode();

        for (var i = 0; i < 3; i++)
        {
            using var appended = await writer.PostAsJsonAsync("/api/streams/p_in/events", new { v = i });
            Assert.Equal(HttpStatusCode.OK, appended.StatusCode);
        }
        using (var beyond = await writer.PostAsJsonAsync("/api/streams/q_other/events", new { v = 1 }))
        {
            Assert.Equal(HttpStatusCode.Forbidden, beyond.StatusCode);
            Assert.Equal("write:q_other", (await SluiceApp.ProblemAsync(beyond)).GetProperty("scope").GetString());
        }
        var me = await writer.GetFromJsonAsync<JsonElement>("/api/auth/me");
        Assert.Equal("key:writer", me.GetProperty("credential").GetString());
        Assert.Equal(0, calls.Count);
    }

    [Fact]
    public async Task A_wrong_key_an_empty_token_and_another_scheme_are_401_with_the_handlers_words()
    {
        await using var app = new SluiceApp(settings: Credentials);
        var (factory, _) = Counting(app);
        using var client = factory.CreateClient();

        using var wrong = new HttpRequestMessage(HttpMethod.Get, "/api/streams");
        wrong.Headers.Authorization = new AuthenticationHeaderValue("Bearer", Writer + "x");
        using (var response = await client.SendAsync(wrong))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
            Assert.Equal("Bearer", response.Headers.WwwAuthenticate.ToString());
            Assert.Equal(ApiKeyHandler.InvalidKey, (await SluiceApp.ProblemAsync(response)).GetProperty("detail").GetString());
        }
        foreach (var header in new[] { "Bearer ", "Basic dXNlcjpwYXNz" })
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, "/api/streams");
            request.Headers.TryAddWithoutValidation("Authorization", header);
            using var response = await client.SendAsync(request);
            Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
            Assert.StartsWith("This service needs a credential", (await SluiceApp.ProblemAsync(response)).GetProperty("detail").GetString(), StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task A_JWT_is_validated_by_the_handler_once_and_then_recognised_until_it_expires()
    {
        await using var app = new SluiceApp(settings: Credentials);
        var (factory, calls) = Counting(app);
        using var jwt = Client(factory, SecuredServer.Jwt("write:p_* manage:p_*"));
        (await jwt.PostAsJsonAsync("/api/streams", new { name = "p_jwt" })).EnsureSuccessStatusCode();
        Assert.Equal(1, calls.Count);
        for (var i = 0; i < 3; i++)
        {
            (await jwt.PostAsJsonAsync("/api/streams/p_jwt/events", new { v = i })).EnsureSuccessStatusCode();
        }
        Assert.Equal(1, calls.Count);

        // Expired (beyond the clock skew): the handler is asked, and refuses it.
        using var expired = Client(factory, SecuredServer.Jwt("admin", DateTime.UtcNow.AddMinutes(-5)));
        using var response = await expired.GetAsync("/api/streams");
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal("The bearer token has expired.", (await SluiceApp.ProblemAsync(response)).GetProperty("detail").GetString());
        Assert.Equal(2, calls.Count);
    }

    internal static HttpClient Client(WebApplicationFactory<Program> factory, string token)
    {
        var client = factory.CreateClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return client;
    }

    /// <summary>
    /// The app with its authentication service wrapped so that every authentication of a request is counted (and
    /// <paramref name="configure"/>'s changes to its services, if any).
    /// </summary>
    internal static (WebApplicationFactory<Program> Factory, AuthenticationCalls Calls) Counting(SluiceApp app, Action<IServiceCollection>? configure = null)
    {
        var calls = new AuthenticationCalls();
        var factory = app.WithWebHostBuilder(builder => builder.ConfigureTestServices(services =>
        {
            configure?.Invoke(services);
            // The framework's own implementation, whatever its type, wrapped.
            var original = services.Last(d => d.ServiceType == typeof(IAuthenticationService)).ImplementationType!;
            services.Replace(ServiceDescriptor.Scoped<IAuthenticationService>(provider =>
                new CountingAuthenticationService((IAuthenticationService)ActivatorUtilities.CreateInstance(provider, original), calls)));
        }));
        return (factory, calls);
    }

    internal sealed class AuthenticationCalls
    {
        private int count;

        public int Count => Volatile.Read(ref count);

        public void Add() => Interlocked.Increment(ref count);
    }

    private sealed class CountingAuthenticationService(IAuthenticationService inner, AuthenticationCalls calls) : IAuthenticationService
    {
        public Task<AuthenticateResult> AuthenticateAsync(HttpContext context, string? scheme)
        {
            // Entries only: the policy scheme forwards each one to the API key or JWT handler through this service again.
            if (scheme is null or AuthSetup.Scheme)
            {
                calls.Add();
            }
            return inner.AuthenticateAsync(context, scheme);
        }

        public Task ChallengeAsync(HttpContext context, string? scheme, AuthenticationProperties? properties) => inner.ChallengeAsync(context, scheme, properties);

        public Task ForbidAsync(HttpContext context, string? scheme, AuthenticationProperties? properties) => inner.ForbidAsync(context, scheme, properties);

        public Task SignInAsync(HttpContext context, string? scheme, ClaimsPrincipal principal, AuthenticationProperties? properties) =>
            inner.SignInAsync(context, scheme, principal, properties);

        public Task SignOutAsync(HttpContext context, string? scheme, AuthenticationProperties? properties) => inner.SignOutAsync(context, scheme, properties);
    }
}
