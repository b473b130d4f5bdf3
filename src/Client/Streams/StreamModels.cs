using System.Text.Json;

namespace Sluice.Client;

/// <summary>A stream to create (SPEC §2).</summary>
/// <param name="Name">Lower-case letters, digits and underscores, starting with a letter; at most 63 characters.</param>
/// <param name="Storage"><c>memory</c> (the service's default) or <c>postgres</c>.</param>
/// <param name="TimestampField">Payload field holding event time (ISO-8601 or epoch milliseconds); null for ingest time.</param>
/// <param name="WatermarkDelay">How far the watermark trails the largest event time, e.g. <c>2s</c>.</param>
/// <param name="Capacity">Memory streams only: events kept, the oldest evicted first.</param>
/// <param name="Schema">Optional field types: bigint, double, decimal, text, boolean, timestamp, json.</param>
public sealed record StreamDefinition(
    string Name,
    string? Storage = null,
    string? TimestampField = null,
    string? WatermarkDelay = null,
    int? Capacity = null,
    IReadOnlyDictionary<string, string>? Schema = null);

/// <summary>A stream's definition and where its log stands.</summary>
/// <param name="HeadOffset">The offset the next appended event will get.</param>
/// <param name="FirstRetainedOffset">The oldest offset still readable.</param>
/// <param name="Count">Events retained.</param>
/// <param name="OutputOf">The query whose output this stream is; null for other streams.</param>
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
    string? OutputOf = null);

/// <summary>The offsets an append was given.</summary>
/// <param name="Replayed">True when the service answered a retry of an <c>Idempotency-Key</c> it had seen: nothing new was appended.</param>
public sealed record AppendResult(long FirstOffset, long LastOffset, int Count, bool Replayed = false);

/// <summary>Options of one append (SPEC §7).</summary>
/// <param name="IdempotencyKey">1–128 printable characters: a retry with the same key and body returns the first answer and appends nothing.</param>
/// <param name="ExpectedOffset">Append only if the stream's next offset is this one; otherwise 409 with <c>currentOffset</c>.</param>
public sealed record AppendOptions(string? IdempotencyKey = null, long? ExpectedOffset = null);

/// <summary>An event as read back.</summary>
public sealed record StoredEvent(long Offset, DateTimeOffset Timestamp, DateTimeOffset IngestedAt, JsonElement Data);

/// <summary>A page of events in offset order; read on from <see cref="NextOffset"/>.</summary>
public sealed record EventPage(
    string Stream,
    long From,
    long NextOffset,
    long HeadOffset,
    long FirstRetainedOffset,
    IReadOnlyList<StoredEvent> Events);
