using System.Net.WebSockets;
using System.Text;

namespace Sluice.Fanout;

/// <summary>
/// One SignalR connection over a bare WebSocket (skipNegotiation, as the service accepts WebSockets directly): the
/// JSON handshake, one <c>Subscribe(stream, 0)</c> stream invocation, then a receive loop that hands complete records
/// to the subscriber's <see cref="SubscriberLedger"/>. Nothing else runs per connection: pings are sent by
/// <see cref="Pinger"/> for all connections.
/// </summary>
public sealed class HubSubscriberConnection
{
    private static readonly byte[] Handshake = "{\"protocol\":\"json\",\"version\":1}\u001e"u8.ToArray();
    private static readonly byte[] PingRecord = "{\"type\":6}\u001e"u8.ToArray();

    private readonly ClientWebSocket socket;
    private readonly SubscriberLedger ledger;
    // Grows when one WebSocket message holds more than fits (a batch of up to 256 events); most stay small.
    private byte[] buffer = new byte[4096];
    private int filled;
    private volatile bool stopping;

    private HubSubscriberConnection(ClientWebSocket socket, SubscriberLedger ledger)
    {
        this.socket = socket;
        this.ledger = ledger;
    }

    public SubscriberLedger Ledger => ledger;

    /// <summary>When this connection last sent something (<see cref="FanoutClock"/> ms); the pinger keeps it under the client timeout.</summary>
    public double LastSentMs { get; private set; }

    public Task Receiving { get; private set; } = Task.CompletedTask;

    public static async Task<HubSubscriberConnection> ConnectAsync(
        Uri hubUrl, HttpMessageInvoker invoker, string stream, SubscriberLedger ledger, CancellationToken cancellationToken)
    {
        var socket = new ClientWebSocket();
        // SignalR keeps the connection alive with its own pings; WebSocket-level ones would be extra sends.
        socket.Options.KeepAliveInterval = TimeSpan.Zero;
        try
        {
            var ws = new UriBuilder(hubUrl) { Scheme = hubUrl.Scheme == "https" ? "wss" : "ws" }.Uri;
            await socket.ConnectAsync(ws, invoker, cancellationToken);
            var connection = new HubSubscriberConnection(socket, ledger);
            await connection.SendAsync(Handshake, cancellationToken);
            while (!ledger.HandshakeDone)
            {
                if (!await connection.ReceiveOnceAsync(cancellationToken))
                {
                    throw new WebSocketException("The service closed the connection during the handshake.");
                }
            }
            if (ledger.Error is { } refused)
            {
                throw new WebSocketException("The service refused the handshake: " + refused);
            }
            var invocation = $"{{\"type\":4,\"invocationId\":\"0\",\"target\":\"Subscribe\",\"arguments\":[{System.Text.Json.JsonSerializer.Serialize(stream)},0]}}\u001e";
            await connection.SendAsync(Encoding.UTF8.GetBytes(invocation), cancellationToken);
            connection.Receiving = connection.ReceiveAllAsync();
            return connection;
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    public Task PingAsync(CancellationToken cancellationToken) => SendAsync(PingRecord, cancellationToken);

    /// <summary>Ends the connection without the close handshake (the run is over; the service sees the socket go).</summary>
    public void Stop()
    {
        stopping = true;
        socket.Abort();
        socket.Dispose();
    }

    private async Task SendAsync(byte[] bytes, CancellationToken cancellationToken)
    {
        LastSentMs = FanoutClock.NowMs();
        await socket.SendAsync(bytes, WebSocketMessageType.Text, endOfMessage: true, cancellationToken);
    }

    private async Task ReceiveAllAsync()
    {
        try
        {
            while (await ReceiveOnceAsync(CancellationToken.None))
            {
            }
            if (!stopping)
            {
                ledger.ConnectionEnded("the service closed the WebSocket");
            }
        }
        catch (Exception error) when (error is WebSocketException or ObjectDisposedException or OperationCanceledException)
        {
            if (!stopping)
            {
                ledger.ConnectionEnded("connection lost: " + error.Message);
            }
        }
    }

    /// <summary>Reads once from the socket and hands every complete record to the ledger; false when the socket closed.</summary>
    private async ValueTask<bool> ReceiveOnceAsync(CancellationToken cancellationToken)
    {
        if (filled == buffer.Length)
        {
            Array.Resize(ref buffer, buffer.Length * 2);
        }
        var result = await socket.ReceiveAsync(buffer.AsMemory(filled), cancellationToken);
        if (result.MessageType == WebSocketMessageType.Close)
        {
            return false;
        }
        filled += result.Count;
        var complete = buffer.AsSpan(0, filled).LastIndexOf(HubRecords.Separator) + 1;
        if (complete > 0)
        {
            ledger.Read(buffer.AsSpan(0, complete));
            buffer.AsSpan(complete, filled - complete).CopyTo(buffer);
            filled -= complete;
        }
        return true;
    }
}
