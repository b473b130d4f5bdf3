using Sluice.Api.Infrastructure;

namespace Sluice.Api.Streams;

/// <summary>A stream to create.</summary>
/// <param name="Name">Lower-case letters, digits and underscores, starting with a letter; at most 63 characters.</param>
/// <param name="Storage"><c>memory</c> (default) or <c>postgres</c>.</param>
/// <param name="TimestampField">Payload field holding event time (ISO-8601 or epoch milliseconds); omit for ingest time.</param>
/// <param name="WatermarkDelay">How far the watermark trails the largest event time, e.g. <c>2s</c>; default <c>0s</c>.</param>
/// <param name="Capacity">Memory streams only: events kept, oldest evicted first; default 100000.</param>
/// <param name="Schema">Optional field types: bigint, double, decimal, text, boolean, timestamp, json.</param>
public sealed record CreateStreamRequest(
    string? Name,
    string? Storage = null,
    string? TimestampField = null,
    string? WatermarkDelay = null,
    int? Capacity = null,
    Dictionary<string, string>? Schema = null);

/// <summary>A stream's definition and where its log stands.</summary>
/// <param name="Name">The stream's name.</param>
/// <param name="Storage"><c>memory</c> or <c>postgres</c>.</param>
/// <param name="TimestampField">Payload field holding event time; absent for ingest time.</param>
/// <param name="WatermarkDelay">How far the watermark trails the largest event time.</param>
/// <param name="Capacity">Memory streams: events kept, oldest evicted first.</param>
/// <param name="Schema">Field types, when declared.</param>
/// <param name="HeadOffset">The offset the next event will get.</param>
/// <param name="FirstRetainedOffset">The oldest offset still readable.</param>
/// <param name="Count">Events retained.</param>
/// <param name="CreatedAt">When the stream was created.</param>
/// <param name="EventsPerSecond">Events appended per second over the last five seconds, as the server samples its head every second;
/// absent until it has been sampled twice.</param>
/// <param name="OutputOf">The query whose output this stream is (only that query writes it; HTTP appends get 409); absent for other streams.</param>
public sealed record StreamInfo(
    string Name,
    string Storage,
    string? TimestampField,
    string WatermarkDelay,
    int? Capacity,
    IReadOnlyDictionary<string, string>? Schema,
    long HeadOffset,
    long FirstRetainedOffset,
    long Count,
    DateTimeOffset CreatedAt,
    double? EventsPerSecond = null,
    string? OutputOf = null);

/// <summary>The offsets an append was given.</summary>
public sealed record AppendResponse(long FirstOffset, long LastOffset, int Count);

/// <summary>An event as read back.</summary>
public sealed record EventRecord(long Offset, DateTimeOffset Timestamp, DateTimeOffset IngestedAt, RawJson Data);

/// <summary>A page of events in offset order; read on from <c>NextOffset</c>.</summary>
public sealed record EventPage(
    string Stream,
    long From,
    long NextOffset,
    long HeadOffset,
    long FirstRetainedOffset,
    IReadOnlyList<EventRecord> Events);
