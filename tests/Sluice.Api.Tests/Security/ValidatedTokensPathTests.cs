using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using Microsoft.IdentityModel.Protocols;
using Microsoft.IdentityModel.Protocols.OpenIdConnect;
using Microsoft.IdentityModel.Tokens;
using Sluice.Api.Auth;
using Sluice.Api.Tests.Infrastructure;

namespace Sluice.Api.Tests.Security;

/// <summary>
/// Which requests the JWT handler validates, now that a validated token is remembered (<see cref="ValidatedTokens"/>):
/// each distinct token once, a refused token every time, a token past its exp every time, and every token again once
/// the issuer's signing keys change.
/// </summary>
public sealed class ValidatedTokensPathTests
{
    [Fact]
    public async Task Each_distinct_token_is_validated_once_and_then_recognised()
    {
        await using var app = new SluiceApp(settings: AuthenticationPathTests.Credentials);
        var (factory, calls) = AuthenticationPathTests.Counting(app);
        using var reader = AuthenticationPathTests.Client(factory, SecuredServer.Jwt("read:p_*"));
        using var admin = AuthenticationPathTests.Client(factory, SecuredServer.Jwt("admin"));
        for (var i = 0; i < 3; i++)
        {
            Assert.Equal(HttpStatusCode.OK, (await reader.GetAsync("/api/streams")).StatusCode);
            Assert.Equal(HttpStatusCode.OK, (await admin.GetAsync("/api/streams")).StatusCode);
        }
        Assert.Equal(2, calls.Count);

        // The remembered principal keeps its own token's caller and scopes: the reader may still not delete.
        using var forbidden = await reader.DeleteAsync("/api/streams/p_x");
        Assert.Equal(HttpStatusCode.Forbidden, forbidden.StatusCode);
        var me = await reader.GetFromJsonAsync<JsonElement>("/api/auth/me");
        Assert.Equal("jwt:tester", me.GetProperty("credential").GetString());
        Assert.Equal("read:p_*", me.GetProperty("scopes").ToString());
        Assert.Equal(2, calls.Count);
    }

    [Fact]
    public async Task A_token_with_a_bad_signature_is_refused_on_every_request_and_never_remembered()
    {
        await using var app = new SluiceApp(settings: AuthenticationPathTests.Credentials);
        var (factory, calls) = AuthenticationPathTests.Counting(app);
        var forged = SecuredServer.Jwt("admin", signingKey: "another-signing-key-of-at-least-32-bytes!");
        using var client = AuthenticationPathTests.Client(factory, forged);
        for (var i = 1; i <= 3; i++)
        {
            using var response = await client.GetAsync("/api/streams");
            Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
            Assert.Equal("The bearer token's signature is not valid.", (await SluiceApp.ProblemAsync(response)).GetProperty("detail").GetString());
            Assert.Equal(i, calls.Count);
        }
        Assert.Equal(0, factory.Services.GetRequiredService<ValidatedTokens>().Count);
    }

    [Fact]
    public async Task A_token_past_its_exp_but_within_the_clock_skew_is_accepted_and_validated_on_every_request()
    {
        await using var app = new SluiceApp(settings: AuthenticationPathTests.Credentials);
        var (factory, calls) = AuthenticationPathTests.Counting(app);
        using var client = AuthenticationPathTests.Client(factory, SecuredServer.Jwt("admin", expires: DateTime.UtcNow.AddSeconds(-10)));
        for (var i = 1; i <= 3; i++)
        {
            Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/api/streams")).StatusCode);
            Assert.Equal(i, calls.Count);
        }
    }

    [Fact]
    public async Task A_remembered_token_stops_working_once_the_issuer_withdraws_its_signing_key()
    {
        var issuer = new SwappableIssuer(SecuredServer.SigningKey);
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var app = new SluiceApp(settings: AuthenticationPathTests.Credentials);
        var (factory, calls) = AuthenticationPathTests.Counting(app, services =>
        {
            // The keys come from the issuer's metadata, as with Auth:Jwt:Authority, instead of Auth:Jwt:SigningKey.
            services.PostConfigure<JwtBearerOptions>(JwtBearerDefaults.AuthenticationScheme, o =>
            {
                o.ConfigurationManager = issuer;
                o.TokenValidationParameters.IssuerSigningKey = null;
            });
            services.Replace(ServiceDescriptor.Singleton(provider =>
                new ValidatedTokens(clock, provider.GetRequiredService<IOptionsMonitor<JwtBearerOptions>>())));
        });
        using var client = AuthenticationPathTests.Client(factory, SecuredServer.Jwt("admin"));
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/api/streams")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/api/streams")).StatusCode);
        Assert.Equal(1, calls.Count);

        issuer.Publish("a-new-signing-key-after-the-old-one-was-withdrawn");
        clock.Advance(ValidatedTokens.SigningKeysCheckInterval);
        using var response = await client.GetAsync("/api/streams");
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal("The bearer token's signature is not valid.", (await SluiceApp.ProblemAsync(response)).GetProperty("detail").GetString());
        Assert.Equal(2, calls.Count);

        // A token signed with the new key is accepted, and remembered.
        using var renewed = AuthenticationPathTests.Client(factory, SecuredServer.Jwt("admin", signingKey: "a-new-signing-key-after-the-old-one-was-withdrawn"));
        Assert.Equal(HttpStatusCode.OK, (await renewed.GetAsync("/api/streams")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await renewed.GetAsync("/api/streams")).StatusCode);
        Assert.Equal(3, calls.Count);
    }

    /// <summary>An OpenID Connect issuer's metadata as the JWT handler's configuration manager holds it: one signing key, replaced at will.</summary>
    private sealed class SwappableIssuer : IConfigurationManager<OpenIdConnectConfiguration>
    {
        private volatile OpenIdConnectConfiguration current;

        public SwappableIssuer(string signingKey) => current = Configuration(signingKey);

        public void Publish(string signingKey) => current = Configuration(signingKey);

        public Task<OpenIdConnectConfiguration> GetConfigurationAsync(CancellationToken cancel) => Task.FromResult(current);

        public void RequestRefresh()
        {
        }

        private static OpenIdConnectConfiguration Configuration(string signingKey)
        {
            var configuration = new OpenIdConnectConfiguration { Issuer = SecuredServer.Issuer };
            configuration.SigningKeys.Add(new SymmetricSecurityKey(Encoding.UTF8.GetBytes(signingKey)));
            return configuration;
        }
    }
}
