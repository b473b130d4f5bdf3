using System.Net;
using System.Net.Http.Json;
using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.Extensions.DependencyInjection;
using Sluice.Api.Limits;
using Sluice.Api.Tests.Live;

namespace Sluice.Api.Tests.Security;

/// <summary>The hub's row of the scope matrix: connecting needs a credential, subscribing needs read on the stream.</summary>
public sealed class HubAccessTests(HubAccessTests.Server server) : IClassFixture<HubAccessTests.Server>
{
    public sealed class Server() : SecuredServer(new Dictionary<string, string?> { ["Limits:Connections"] = "2" }), IAsyncLifetime
    {
        public async Task InitializeAsync()
        {
            using var admin = Client(Admin);
            (await admin.PostAsJsonAsync("/api/streams", new { name = "t_src" })).EnsureSuccessStatusCode();
            (await admin.PostAsJsonAsync("/api/streams/t_src/events", new { k = 1 })).EnsureSuccessStatusCode();
        }

        Task IAsyncLifetime.DisposeAsync() => Task.CompletedTask;
    }

    [Theory]
    [InlineData(null)]
    [InlineData("not-a-key")]
    public async Task Connecting_without_a_valid_credential_is_refused_with_401(string? token)
    {
        await using var hub = server.Hub(token);
        var error = await Assert.ThrowsAsync<HttpRequestException>(() => hub.StartAsync());
        Assert.Equal(HttpStatusCode.Unauthorized, error.StatusCode);
    }

    [Fact]
    public async Task Subscribing_without_read_on_the_stream_is_refused_naming_the_scope()
    {
        await using var hub = server.Hub(SecuredServer.Other);
        await hub.StartAsync();
        var error = await Assert.ThrowsAsync<HubException>(async () =>
        {
            await foreach (var _ in hub.StreamAsync<Received>("Subscribe", "t_src", 0L))
            {
            }
        });
        Assert.Contains("read:t_src", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(SecuredServer.Reader)]
    [InlineData(SecuredServer.Admin)]
    public async Task Subscribing_with_read_or_admin_receives_the_stream(string key)
    {
        await AssertSubscriptionReceivesTheFirstEventAsync(key);
    }

    [Fact]
    public async Task A_jwt_subscribes_with_its_scope_claim()
    {
        await AssertSubscriptionReceivesTheFirstEventAsync(SecuredServer.Jwt("read:t_src"));
    }

    [Fact]
    public async Task Access_token_in_the_query_is_taken_on_the_hub_path_only()
    {
        using var anonymous = new HttpClient { BaseAddress = new Uri(server.BaseUrl) };
        var token = Uri.EscapeDataString(SecuredServer.Reader);
        using var negotiate = await anonymous.PostAsync($"/hubs/streams/negotiate?negotiateVersion=1&access_token={token}", null);
        Assert.Equal(HttpStatusCode.OK, negotiate.StatusCode);
        using var rest = await anonymous.GetAsync($"/api/streams/t_src?access_token={token}");
        Assert.Equal(HttpStatusCode.Unauthorized, rest.StatusCode);
    }

    [Fact]
    public async Task Readiness_is_Degraded_while_a_credential_holds_most_of_Limits_Connections()
    {
        using var anonymous = new HttpClient { BaseAddress = new Uri(server.BaseUrl) };
        var limits = server.Services.GetRequiredService<ConnectionLimits>();
        // Its own key, so other tests' connections do not count; 2 of 2 is past 80 %.
        await using (var first = server.Hub(SecuredServer.Registrar))
        await using (var second = server.Hub(SecuredServer.Registrar))
        {
            await first.StartAsync();
            await second.StartAsync();
            await LiveServer.WaitUntilAsync(() => limits.Held("key:registrar") == 2, "both connections to be counted");
            Assert.Equal("Degraded", await anonymous.GetStringAsync("/health/ready"));
        }
        await LiveServer.WaitUntilAsync(() => limits.Held("key:registrar") == 0, "both connections to be counted out");
        // Other tests' connections of their own keys may still be counted out: wait for those too.
        await Sluice.Api.Tests.Infrastructure.Eventually.UntilAsync(() => anonymous.GetStringAsync("/health/ready"), body => body == "Healthy", "readiness to be Healthy again");
    }

    [Fact]
    public async Task A_credential_holds_at_most_Limits_Connections_hub_connections()
    {
        // Its own key, so other tests' connections do not count.
        await using var first = server.Hub(SecuredServer.Manager);
        await using var second = server.Hub(SecuredServer.Manager);
        await using var third = server.Hub(SecuredServer.Manager);
        await first.StartAsync();
        await second.StartAsync();
        var closed = new TaskCompletionSource<Exception?>(TaskCreationOptions.RunContinuationsAsynchronously);
        third.Closed += e =>
        {
            closed.TrySetResult(e);
            return Task.CompletedTask;
        };
        // The server refuses in OnConnected: the handshake may complete before the close arrives, or fail outright.
        try
        {
            await third.StartAsync();
            var error = await closed.Task.WaitAsync(TimeSpan.FromSeconds(30));
            Assert.Contains("Limits:Connections", error?.Message ?? "", StringComparison.Ordinal);
        }
        catch (Exception error) when (error is not Xunit.Sdk.XunitException)
        {
            Assert.Contains("Limits:Connections", error.Message, StringComparison.Ordinal);
        }
        Assert.Equal(HubConnectionState.Connected, first.State);

        // Closing one makes room again: once the server has counted the second out, a new connection is served.
        await second.StopAsync();
        var limits = server.Services.GetRequiredService<ConnectionLimits>();
        await LiveServer.WaitUntilAsync(() => limits.Held("key:manager") == 1, "the second connection to be counted out");
        await using var fourth = server.Hub(SecuredServer.Manager);
        await fourth.StartAsync();
        // Served: its invocation reaches the hub's scope check (a refused connection would be closed instead).
        var refused = await Assert.ThrowsAsync<HubException>(async () =>
        {
            await foreach (var _ in fourth.StreamAsync<Received>("Subscribe", "t_src", 0L))
            {
            }
        });
        Assert.Contains("read:t_src", refused.Message, StringComparison.Ordinal);
    }

    /// <summary>Connects with <paramref name="credential"/>, subscribes to t_src from its start and asserts its first event arrives.</summary>
    private async Task AssertSubscriptionReceivesTheFirstEventAsync(string credential)
    {
        await using var hub = server.Hub(credential);
        await hub.StartAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await foreach (var received in hub.StreamAsync<Received>("Subscribe", "t_src", 0L, timeout.Token))
        {
            Assert.Equal(0, received.Offset);
            break;
        }
    }
}
