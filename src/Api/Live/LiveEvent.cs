using Sluice.Api.Infrastructure;

namespace Sluice.Api.Live;

/// <summary>An event as a live subscriber receives it.</summary>
/// <param name="Offset">The event's offset in its stream; resume from <c>Offset + 1</c>.</param>
/// <param name="Timestamp">Event time.</param>
/// <param name="Data">The event's JSON object, as stored.</param>
/// <param name="Op"><c>"+"</c> or <c>"-"</c> for rows of an updating query's output stream (copied from <c>data.op</c>); absent otherwise.</param>
public sealed record LiveEvent(long Offset, DateTimeOffset Timestamp, RawJson Data, string? Op);
