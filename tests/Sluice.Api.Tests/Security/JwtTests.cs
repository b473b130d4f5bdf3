using System.Net;
using System.Net.Http.Json;
using Sluice.Api.Tests.Infrastructure;

namespace Sluice.Api.Tests.Security;

/// <summary>JWT bearer tokens signed with the configured symmetric key; scopes come from the <c>scope</c> claim.</summary>
public sealed class JwtTests(JwtTests.Server server) : IClassFixture<JwtTests.Server>
{
    public sealed class Server : SecuredServer, IAsyncLifetime
    {
        public async Task InitializeAsync()
        {
            using var admin = Client(Admin);
            (await admin.PostAsJsonAsync("/api/streams", new { name = "t_src" })).EnsureSuccessStatusCode();
        }

        Task IAsyncLifetime.DisposeAsync() => Task.CompletedTask;
    }

    [Fact]
    public async Task A_valid_token_is_allowed_what_its_scope_claim_grants_and_no_more()
    {
        using var client = server.Client(SecuredServer.Jwt("read:t_* write:t_src"));
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/api/streams/t_src")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await client.PostAsJsonAsync("/api/streams/t_src/events", new { k = 1 })).StatusCode);
        using var forbidden = await client.DeleteAsync("/api/streams/t_src");
        Assert.Equal(HttpStatusCode.Forbidden, forbidden.StatusCode);
        Assert.Equal("manage:t_src", (await SluiceApp.ProblemAsync(forbidden)).GetProperty("scope").GetString());
    }

    [Fact]
    public async Task An_admin_token_may_do_everything()
    {
        using var client = server.Client(SecuredServer.Jwt("openid admin"));
        using var created = await client.PostAsJsonAsync("/api/streams", new { name = "jwt_made" });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, (await client.DeleteAsync("/api/streams/jwt_made")).StatusCode);
    }

    [Fact]
    public async Task An_expired_token_gets_401_saying_so()
    {
        using var client = server.Client(SecuredServer.Jwt("admin", expires: DateTime.UtcNow.AddMinutes(-5)));
        using var response = await client.GetAsync("/api/streams");
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Contains("expired", (await SluiceApp.ProblemAsync(response)).GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("signature")]
    [InlineData("audience")]
    [InlineData("issuer")]
    public async Task A_token_with_another_key_audience_or_issuer_gets_401(string what)
    {
        var token = what switch
        {
            "signature" => SecuredServer.Jwt("admin", signingKey: "another-signing-key-of-at-least-32-bytes!"),
            "audience" => SecuredServer.Jwt("admin", audience: "someone-else"),
            _ => SecuredServer.Jwt("admin", issuer: "https://evil.example"),
        };
        using var client = server.Client(token);
        using var response = await client.GetAsync("/api/streams");
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        var detail = (await SluiceApp.ProblemAsync(response)).GetProperty("detail").GetString()!;
        Assert.Contains(what, detail, StringComparison.Ordinal);
        Assert.DoesNotContain("IDX", detail, StringComparison.Ordinal);
    }
}
