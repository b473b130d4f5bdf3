namespace Sluice.Fanout;

/// <summary>
/// Sends SignalR pings for many connections from one loop, so each sends something at least every
/// <paramref name="interval"/> (SignalR's clients ping every 15 s; the service closes a connection silent for
/// <c>Live:ClientTimeout</c>, 30 s by default).
/// </summary>
public sealed class Pinger(IReadOnlyList<HubSubscriberConnection> connections, TimeSpan interval)
{
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromMilliseconds(250));
        try
        {
            while (await timer.WaitForNextTickAsync(cancellationToken))
            {
                var due = FanoutClock.NowMs() - interval.TotalMilliseconds;
                for (var i = 0; i < connections.Count; i++)
                {
                    var connection = connections[i];
                    if (connection.LastSentMs <= due && !connection.Receiving.IsCompleted)
                    {
                        try
                        {
                            await connection.PingAsync(cancellationToken);
                        }
                        catch (Exception error) when (error is System.Net.WebSockets.WebSocketException or ObjectDisposedException)
                        {
                            // The receive loop records the connection's end.
                        }
                    }
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
    }
}
