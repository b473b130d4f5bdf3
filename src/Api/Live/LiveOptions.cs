namespace Sluice.Api.Live;

/// <summary>Settings of live delivery, bound from the <c>Live</c> configuration section.</summary>
public sealed class LiveOptions
{
    public const string Section = "Live";

    /// <summary>
    /// Events held for one subscriber between the log and its connection. The log is the real
    /// buffer, so this only smooths the hand-over; it bounds what a subscriber pins: a reference per
    /// event to the encoding shared on the stream's tail, or, for a replay older than the tail, its own encoding (the JSON plus about 170 bytes), e.g.
    /// 1,000 subscribers × 1,000 events of 100 bytes = about 270 MB at worst.
    /// </summary>
    public int SubscriberBufferSize { get; set; } = 1_000;

    /// <summary>
    /// How long a subscriber's buffer may stay full before the subscription is ended with an error
    /// naming the offset to resume from. Zero ends it the moment the buffer is full.
    /// </summary>
    public TimeSpan StallTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Events read from the log per read while replaying or catching up.</summary>
    public int ReadBatchSize { get; set; } = 512;

    /// <summary>
    /// Bytes SignalR buffers per hub connection on their way to the socket before a send waits (its
    /// <c>TransportMaxBufferSize</c>, 64 KiB unless set). Every connection whose client stops reading fills this
    /// much, so it is what 2,000 stalled clients multiply: at 16 KiB a replay is still sent in full frames, and the
    /// buffer that absorbs a slow client is the subscriber buffer, which <c>Limits:SubscriberBytes</c> bounds.
    /// </summary>
    public long ConnectionSendBufferBytes { get; set; } = 16 * 1024;

    /// <summary>
    /// Bytes Kestrel's socket transport holds per connection on their way to the kernel before a write waits (its
    /// <c>MaxWriteBufferSize</c>, 64 KiB unless set). It is every connection's, HTTP responses' too, but live
    /// subscribers are what multiply it: a client that stops reading pins this much of Kestrel's pinned blocks, after
    /// the kernel's own socket buffer has filled. At 64 KiB, 2,000 such clients pinned about 149 MB; at 16 KiB about
    /// 50 MB (docs/benchmarks-live.md, "2,000 subscribers that never read"). A response larger than this is sent in
    /// more, smaller writes.
    /// </summary>
    public long SocketSendBufferBytes { get; set; } = 16 * 1024;

    /// <summary>
    /// How long a hub connection may stay silent (no message, no ping) before the service closes it, SignalR's
    /// <c>ClientTimeoutInterval</c> (30 s, twice the clients' 15 s ping). A client process too busy to ping in time, as
    /// when one machine runs thousands of subscribers, is closed with "Connection closed with an error."; raise it there.
    /// </summary>
    public TimeSpan ClientTimeout { get; set; } = TimeSpan.FromSeconds(30);
}
