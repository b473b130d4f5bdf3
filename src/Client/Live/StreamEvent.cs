using System.Text.Json;

namespace Sluice.Client;

/// <summary>An event as a live subscription delivers it (SPEC §5).</summary>
/// <param name="Offset">The event's offset in its stream.</param>
/// <param name="Timestamp">Event time.</param>
/// <param name="Data">The event's JSON object, as stored.</param>
/// <param name="Op"><c>"+"</c> or <c>"-"</c> for rows of an updating query's output, <c>"reset"</c> when a replaced query starts over; null otherwise.</param>
public sealed record StreamEvent(long Offset, DateTimeOffset Timestamp, JsonElement Data, string? Op);
