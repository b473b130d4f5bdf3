using Sluice.Data.Streams;

namespace Sluice.Data.Memory;

/// <summary>
/// One retained event of a memory stream, 32 bytes inside its ring segment and no object of its own: its payload
/// (a range of a <see cref="PayloadSlabs"/> slab), its two times as UTC ticks, and its <see cref="EventOp"/> in the two
/// top bits of the ingest time (ticks never reach 2^62: <see cref="DateTime.MaxValue"/> is about 3.2 · 10^18). Its offset
/// is its position in the ring.
/// </summary>
/// <remarks>
/// A <see cref="StoredEvent"/> per retained event was 72 bytes more per event and one more object for the GC to trace
/// and promote; readers now get a <see cref="StoredEvent"/> made when they read (it dies young) while the ring keeps
/// only these. Times are kept in UTC: every path that stores events gives UTC times (ingest parses to UTC, query
/// output is UTC), and <see cref="DateTimeOffset"/> equality compares instants.
/// </remarks>
internal readonly struct EventSlot(ReadOnlyMemory<byte> data, DateTimeOffset timestamp, DateTimeOffset ingestedAt, EventOp op)
{
    public const int Bytes = 32;

    private const int OpShift = 62;
    private const long TicksMask = (1L << OpShift) - 1;

    private readonly ReadOnlyMemory<byte> data = data;
    private readonly long timestampTicks = timestamp.UtcTicks;
    private readonly long ingestedAtTicksAndOp = ingestedAt.UtcTicks | ((long)op << OpShift);

    public StoredEvent ToStored(long offset) =>
        new(offset, new DateTimeOffset(timestampTicks, TimeSpan.Zero), new DateTimeOffset(ingestedAtTicksAndOp & TicksMask, TimeSpan.Zero), data)
        {
            Op = (EventOp)((ulong)ingestedAtTicksAndOp >> OpShift),
        };
}
