using System.Text.Json;
using System.Text.Json.Serialization;

namespace Sluice.Api.Live;

/// <summary>
/// The events one subscription hands SignalR at once: what its buffer held when the connection was ready to send. It is
/// a single SignalR stream item inside the service only; <see cref="LiveHubProtocol"/> writes one stream-item message
/// per event, so a client sees exactly the <see cref="LiveEvent"/> items it would see one by one (SPEC §5), while the
/// service pays the connection's write lock, pipe flush, WebSocket frame and socket send once per batch, not per event.
/// </summary>
[JsonConverter(typeof(LiveBatchConverter))]
public sealed class LiveBatch
{
    private readonly List<LiveEvent> events = [];

    internal IReadOnlyList<LiveEvent> Events => events;

    /// <summary>The UTF-8 JSON bytes of the events held.</summary>
    internal long Bytes { get; private set; }

    /// <summary>
    /// The start of a stream-item message for one invocation, <c>{"type":2,"invocationId":"…","item":</c>, written by
    /// the JSON protocol itself once and kept here (a batch belongs to one subscription, so to one invocation).
    /// </summary>
    internal (string InvocationId, byte[] Prefix)? Frame { get; set; }

    internal void Clear()
    {
        events.Clear();
        Bytes = 0;
    }

    internal void Add(LiveEvent live)
    {
        events.Add(live);
        Bytes += live.Json.Length;
    }
}

/// <summary>
/// A batch is never a JSON value of its own: only <see cref="LiveHubProtocol"/> writes it, as one message per event. This
/// converter makes any other path fail loudly instead of sending clients a shape SPEC §5 does not have.
/// </summary>
internal sealed class LiveBatchConverter : JsonConverter<LiveBatch>
{
    public override LiveBatch Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
        throw new NotSupportedException("A live batch is not read from JSON.");

    public override void Write(Utf8JsonWriter writer, LiveBatch value, JsonSerializerOptions options) =>
        throw new NotSupportedException($"A live batch is written by {nameof(LiveHubProtocol)}, one stream item per event.");
}
