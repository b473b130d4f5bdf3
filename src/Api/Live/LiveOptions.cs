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
}
