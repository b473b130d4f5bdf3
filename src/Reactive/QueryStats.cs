namespace Sluice.Reactive;

/// <summary>
/// Counters a running pipeline keeps up to date and the host reads (SPEC §6).
/// Written by the single thread that drives the query; read from any thread.
/// </summary>
public sealed class QueryStats
{
    private long eventsIn;
    private long rowsOut;
    private long lateEvents;
    private long stateSize;
    private long watermarkTicks = long.MinValue;

    public long EventsIn => Volatile.Read(ref eventsIn);

    public long RowsOut => Volatile.Read(ref rowsOut);

    public long LateEvents => Volatile.Read(ref lateEvents);

    /// <summary>Groups, windows and join entries currently held.</summary>
    public long StateSize => Volatile.Read(ref stateSize);

    /// <summary>The query's watermark (minimum over its inputs), or null before any event.</summary>
    public DateTime? Watermark
    {
        get
        {
            var ticks = Volatile.Read(ref watermarkTicks);
            return ticks == long.MinValue ? null : new DateTime(Math.Max(ticks, 0), DateTimeKind.Utc);
        }
    }

    public void AddEventsIn(long count) => Interlocked.Add(ref eventsIn, count);

    public void AddRowsOut(long count) => Interlocked.Add(ref rowsOut, count);

    public void AddLateEvents(long count) => Interlocked.Add(ref lateEvents, count);

    public void AddStateSize(long delta) => Interlocked.Add(ref stateSize, delta);

    public void SetWatermark(DateTime watermark) => Volatile.Write(ref watermarkTicks, watermark.Ticks);
}
