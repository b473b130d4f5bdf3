using System.Net;
using System.Net.WebSockets;
using Sluice.Api.Tests.Infrastructure;
using Sluice.Api.Tests.Live;

namespace Sluice.Api.Tests.Security;

/// <summary>
/// A web page on another site must not reach the service through the visitor's browser: cross-site requests and
/// WebSockets are refused by Origin, DNS rebinding by Host.
/// </summary>
public sealed class OriginAndHostTests(OriginAndHostTests.Server server) : IClassFixture<OriginAndHostTests.Server>
{
    public sealed class Server() : LiveServer(new Dictionary<string, string?> { ["Auth:AllowedOrigins"] = "http://dashboard.example:8080" });

    [Fact]
    public async Task A_REST_request_from_another_origin_is_refused_with_403()
    {
        using var client = new HttpClient { BaseAddress = new Uri(server.BaseUrl) };
        using var request = new HttpRequestMessage(HttpMethod.Get, "/api/streams");
        request.Headers.Add("Origin", "http://evil.example");
        using var response = await client.SendAsync(request);
        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Contains("Auth:AllowedOrigins", (await SluiceApp.ProblemAsync(response)).GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task The_services_own_origin_and_configured_ones_are_served(bool own)
    {
        using var client = new HttpClient { BaseAddress = new Uri(server.BaseUrl) };
        using var request = new HttpRequestMessage(HttpMethod.Get, "/api/streams");
        request.Headers.Add("Origin", own ? server.BaseUrl : "http://dashboard.example:8080");
        using var response = await client.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task A_WebSocket_to_the_hub_from_another_origin_is_refused_with_403()
    {
        var hub = new UriBuilder(server.HubUrl) { Scheme = "ws" }.Uri;
        using var socket = new ClientWebSocket();
        socket.Options.CollectHttpResponseDetails = true;
        socket.Options.SetRequestHeader("Origin", "http://evil.example");
        await Assert.ThrowsAsync<WebSocketException>(() => socket.ConnectAsync(hub, CancellationToken.None));
        Assert.Equal(HttpStatusCode.Forbidden, socket.HttpStatusCode);

        // The same socket from the service's own origin is accepted.
        using var own = new ClientWebSocket();
        own.Options.SetRequestHeader("Origin", server.BaseUrl);
        await own.ConnectAsync(hub, CancellationToken.None);
        Assert.Equal(WebSocketState.Open, own.State);
    }

    [Fact]
    public async Task A_foreign_Host_is_refused_in_protected_mode()
    {
        using var client = new HttpClient { BaseAddress = new Uri(server.BaseUrl) };
        using var request = new HttpRequestMessage(HttpMethod.Get, "/api/streams");
        request.Headers.Host = "rebound.evil.example";
        using var response = await client.SendAsync(request);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);

        using var loopbackName = new HttpRequestMessage(HttpMethod.Get, "/api/streams");
        loopbackName.Headers.Host = "localhost";
        Assert.Equal(HttpStatusCode.OK, (await client.SendAsync(loopbackName)).StatusCode);
    }
}
