using Microsoft.AspNetCore.Http.Connections.Client;

namespace Sluice.Client;

/// <summary>How a <see cref="SluiceClient"/> reaches the service.</summary>
public sealed class SluiceClientOptions
{
    /// <summary>The service's address, e.g. <c>http://localhost:5000</c>. Required unless the <see cref="HttpClient"/> given to the client has a base address.</summary>
    public Uri? BaseAddress { get; set; }

    /// <summary>An API key or JWT, sent as <c>Authorization: Bearer</c> (and as the hub's <c>access_token</c>); none when null.</summary>
    public string? Token { get; set; }

    /// <summary>
    /// How long to wait before the <c>attempt</c>-th reconnect in a row (1, 2, …) after a live subscription
    /// lost its connection; return null to give up, which ends the subscription with the last error.
    /// The default waits 0.25 s, 0.5 s, 1 s, 2 s, then 5 s between tries, and never gives up.
    /// </summary>
    public Func<int, TimeSpan?> ReconnectDelay { get; set; } = DefaultReconnectDelay;

    /// <summary>Adjusts the SignalR connection of each live subscription (transports, headers, a handler for tests).</summary>
    public Action<HttpConnectionOptions>? ConfigureHubConnection { get; set; }

    internal static TimeSpan? DefaultReconnectDelay(int attempt) =>
        TimeSpan.FromMilliseconds(attempt >= 5 ? 5_000 : 250 * (1 << (attempt - 1)));
}
