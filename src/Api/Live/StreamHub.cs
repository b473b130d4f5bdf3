using System.Threading.Channels;
using Microsoft.AspNetCore.SignalR;
using Microsoft.Extensions.Options;
using Sluice.Api.Limits;
using Sluice.Data.Streams;

namespace Sluice.Api.Live;

/// <summary>Live delivery of any stream (SPEC §5), at <c>/hubs/streams</c>.</summary>
public sealed class StreamHub(
    StreamStore store, LiveSubscriptions subscriptions, SubscriberBudget budget, IOptions<LiveOptions> options, ILogger<StreamHub> logger) : Hub
{
    /// <summary>
    /// Streams the events of <paramref name="stream"/> from <paramref name="fromOffset"/> (replay, then live),
    /// or from the head when it is null (only new events). Ends with an error naming the offset to resume
    /// from when the subscriber falls behind its buffer. Each item is a <see cref="LiveEvent"/> on the wire: SignalR reads
    /// the buffer a batch at a time and <see cref="LiveHubProtocol"/> writes one stream item per event.
    /// </summary>
    public async Task<ChannelReader<LiveBatch>> Subscribe(string stream, long? fromOffset, CancellationToken cancellationToken)
    {
        if (string.IsNullOrEmpty(stream))
        {
            throw new HubException("Name the stream to subscribe to.");
        }
        if (await store.FindAsync(stream, cancellationToken) is not { } log)
        {
            throw new HubException($"There is no stream named '{stream}'.");
        }
        if (fromOffset < 0)
        {
            throw new HubException($"fromOffset must be 0 or more, got {fromOffset}.");
        }
        var position = log.Position;
        if (fromOffset < position.FirstRetainedOffset)
        {
            throw new HubException(
                $"Offset {fromOffset} of stream '{stream}' is no longer retained; the first retained offset is {position.FirstRetainedOffset}.");
        }
        var settings = options.Value;
        // The pump is the only writer and SignalR's stream loop the only reader; the pump never
        // blocks on Wait mode past its stall timeout (see SubscriptionPump).
        var channel = Channel.CreateBounded<LiveEvent>(new BoundedChannelOptions(Math.Max(1, settings.SubscriberBufferSize))
        {
            SingleWriter = true,
            SingleReader = true,
            FullMode = BoundedChannelFullMode.Wait,
        });
        var from = fromOffset ?? position.HeadOffset;
        subscriptions.OnStarted();
        logger.LogDebug("Connection {ConnectionId} subscribes to {Stream} from offset {Offset}", Context.ConnectionId, stream, from);
        var share = budget.Join();
        _ = RunPumpAsync(log, from, channel.Writer, Math.Max(1, settings.ReadBatchSize), settings.StallTimeout, share, cancellationToken);
        return new LiveBatchReader(new BudgetedReader(channel.Reader, share), BatchBytes(settings));
    }

    /// <summary>
    /// Bytes of events one send may take from a subscriber's buffer: a quarter of the connection's send buffer, so a
    /// client that stops reading pins little more in its connection than one event at a time would.
    /// </summary>
    private static long BatchBytes(LiveOptions settings) => Math.Max(1024, settings.ConnectionSendBufferBytes / 4);

    private async Task RunPumpAsync(
        StreamLog log, long from, ChannelWriter<LiveEvent> writer, int batchSize, TimeSpan stallTimeout, SubscriberShare share, CancellationToken cancellationToken)
    {
        var end = SubscriptionEnd.Failed;
        try
        {
            // Leave the hub invocation at once; the pump lives until the subscription ends.
            await Task.Yield();
            // SignalR's own log of a failed stream is filtered out (LiveApi), since most endings are the client's
            // doing; a failure of ours is logged here.
            end = await SubscriptionPump.RunAsync(
                log.OpenCursor(from), writer, batchSize, stallTimeout, cancellationToken,
                error => logger.LogError(error, "The subscription of connection {ConnectionId} to stream {Stream} failed", Context.ConnectionId, log.Definition.Name),
                share, fanOutAtHead: true);
        }
        finally
        {
            // What is still buffered is a few events at most (a subscription that ended over its share is the one not reading).
            share.Dispose();
            subscriptions.OnEnded(end);
        }
        if (end is SubscriptionEnd.FellBehind or SubscriptionEnd.OverBudget or SubscriptionEnd.Evicted)
        {
            logger.LogInformation("Connection {ConnectionId} fell behind on stream {Stream}; its subscription ended ({Reason})", Context.ConnectionId, log.Definition.Name, end);
        }
    }
}
