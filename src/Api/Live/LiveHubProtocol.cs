using System.Buffers;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.Protocol;
using Microsoft.Extensions.Options;

namespace Sluice.Api.Live;

/// <summary>
/// SignalR's JSON hub protocol (<c>"json"</c>, version 1), with one addition: a stream item that is a
/// <see cref="LiveBatch"/> goes on the wire as one stream-item message per event, byte for byte what the JSON protocol
/// writes for each <see cref="LiveEvent"/> sent alone. Everything else is the JSON protocol's own doing.
/// </summary>
/// <remarks>
/// Per event and connection this copies three pieces: the message start (written by the JSON protocol once per
/// subscription and kept on its batch), the event's JSON (encoded once per event for all subscribers, see
/// <see cref="LiveEvent"/>) and the closing <c>}</c> with the record separator. Frames are independent records, so a
/// client's parser cannot tell several records in one WebSocket message from the same records sent one by one.
/// </remarks>
internal sealed class LiveHubProtocol(IOptions<JsonHubProtocolOptions> options) : IHubProtocol
{
    // What the JSON protocol writes after the "item" property for a null item: the end that is cut to get the prefix.
    private static readonly byte[] NullItemEnd = "null}\u001e"u8.ToArray();
    private static readonly byte[] MessageEnd = "}\u001e"u8.ToArray();

    private readonly JsonHubProtocol json = new(options);

    public string Name => json.Name;

    public int Version => json.Version;

    public TransferFormat TransferFormat => json.TransferFormat;

    public bool IsVersionSupported(int version) => json.IsVersionSupported(version);

    public bool TryParseMessage(ref ReadOnlySequence<byte> input, IInvocationBinder binder, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out HubMessage? message) =>
        json.TryParseMessage(ref input, binder, out message);

    public void WriteMessage(HubMessage message, IBufferWriter<byte> output)
    {
        if (message is StreamItemMessage { Item: LiveBatch batch, InvocationId: { } invocationId } item && item.Headers is null or { Count: 0 })
        {
            WriteEvents(invocationId, batch, output);
            return;
        }
        json.WriteMessage(message, output);
    }

    public ReadOnlyMemory<byte> GetMessageBytes(HubMessage message) => HubProtocolExtensions.GetMessageBytes(this, message);

    private void WriteEvents(string invocationId, LiveBatch batch, IBufferWriter<byte> output)
    {
        if (batch.Frame is not { } frame || !string.Equals(frame.InvocationId, invocationId, StringComparison.Ordinal))
        {
            frame = (invocationId, MessagePrefix(invocationId));
            batch.Frame = frame;
        }
        var prefix = frame.Prefix;
        foreach (var live in batch.Events)
        {
            var length = prefix.Length + live.Json.Length + MessageEnd.Length;
            var span = output.GetSpan(length);
            prefix.CopyTo(span);
            live.Json.CopyTo(span[prefix.Length..]);
            MessageEnd.CopyTo(span[(prefix.Length + live.Json.Length)..]);
            output.Advance(length);
        }
    }

    /// <summary><c>{"type":2,"invocationId":"…","item":</c> exactly as the JSON protocol writes it (the id escaped its way).</summary>
    private byte[] MessagePrefix(string invocationId)
    {
        var whole = json.GetMessageBytes(new StreamItemMessage(invocationId, null)).Span;
        if (!whole.EndsWith(NullItemEnd))
        {
            throw new InvalidOperationException("SignalR's JSON protocol no longer writes a null stream item as expected; LiveHubProtocol needs updating.");
        }
        return whole[..^NullItemEnd.Length].ToArray();
    }
}
