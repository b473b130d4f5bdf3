using System.Runtime.CompilerServices;
using Sluice.Data.Streams;

namespace Sluice.Api.Live;

/// <summary>
/// The most recent events of one stream, shared by all its live subscribers, so that N subscribers
/// at the head cost one log read per append instead of N. Used for logs whose reads are expensive
/// (postgres: a query each); memory logs are read directly, being a shared ring already.
/// <para>
/// It holds a window <c>[start, end)</c> of contiguous events. A read inside the window is served
/// from memory; a read at <c>end</c> joins the single fetch of what follows (started by the first
/// reader to get there); a read below the window goes to the log directly, and a read beyond
/// <c>end</c> moves the window there. Fetches run without any subscriber's cancellation, so one
/// subscriber leaving does not fail the others' read.
/// </para>
/// </summary>
internal sealed class TailCache
{
    private readonly StreamLog log;
    private readonly StoredEvent?[] ring;
    private readonly int fetchSize;
    private readonly Lock sync = new();
    private long start;
    private long end;
    private Task<ReadOutcome>? fetch;
    private long fetchFrom = -1;
    private long logReads;

    public TailCache(StreamLog log, int capacity, int fetchSize)
    {
        this.log = log;
        ring = new StoredEvent?[Math.Max(1, capacity)];
        this.fetchSize = Math.Max(1, fetchSize);
    }

    /// <summary>Reads the log has been asked for (fetches and direct reads), for tests and diagnostics.</summary>
    public long LogReads => Interlocked.Read(ref logReads);

    public async ValueTask<ReadOutcome> ReadAsync(long from, int limit, CancellationToken cancellationToken)
    {
        while (true)
        {
            Task<ReadOutcome> pending;
            lock (sync)
            {
                if (from < start)
                {
                    pending = null!;
                }
                else
                {
                    if (from > end)
                    {
                        // A reader ahead of the window (a new head subscriber): the window moves to it.
                        start = end = from;
                    }
                    if (from < end)
                    {
                        return new ReadOutcome.Events(Copy(from, (int)Math.Min(limit, end - from)), log.Position);
                    }
                    if (log.Position.HeadOffset <= end)
                    {
                        return new ReadOutcome.Events([], log.Position);
                    }
                    if (fetch is null || fetchFrom != end)
                    {
                        fetchFrom = end;
                        fetch = FetchAsync(end);
                    }
                    pending = fetch;
                }
            }
            if (pending is null)
            {
                Interlocked.Increment(ref logReads);
                return await log.ReadAsync(from, limit, cancellationToken);
            }
            var outcome = await pending.WaitAsync(cancellationToken);
            if (outcome is not ReadOutcome.Events { Items.Count: > 0 })
            {
                return outcome;
            }
            // The fetch filled the window (or someone moved it): look again.
        }
    }

    private async Task<ReadOutcome> FetchAsync(long from)
    {
        // Leave the lock of the caller first; the fetch completes on its own.
        await Task.Yield();
        Interlocked.Increment(ref logReads);
        try
        {
            var outcome = await log.ReadAsync(from, fetchSize, CancellationToken.None);
            lock (sync)
            {
                if (outcome is ReadOutcome.Events { Items: var items } && end == from && items.Count > 0 && items[0].Offset == from)
                {
                    foreach (var stored in items)
                    {
                        ring[stored.Offset % ring.Length] = stored;
                    }
                    end = items[^1].Offset + 1;
                    start = Math.Max(start, end - ring.Length);
                }
                return outcome;
            }
        }
        finally
        {
            lock (sync)
            {
                if (fetchFrom == from)
                {
                    fetch = null;
                    fetchFrom = -1;
                }
            }
        }
    }

    private StoredEvent[] Copy(long from, int count)
    {
        var items = new StoredEvent[count];
        for (var i = 0; i < count; i++)
        {
            items[i] = ring[(from + i) % ring.Length]!;
        }
        return items;
    }
}

/// <summary>One <see cref="TailCache"/> per stream that has live subscribers; gone with the stream's log.</summary>
public sealed class TailCaches
{
    private readonly ConditionalWeakTable<StreamLog, TailCache> caches = new();
    private readonly int capacity;
    private readonly int fetchSize;

    public TailCaches(Microsoft.Extensions.Options.IOptions<LiveOptions> options)
    {
        capacity = options.Value.TailCacheSize;
        fetchSize = options.Value.ReadBatchSize;
    }

    /// <summary>The shared cache for <paramref name="log"/>, or null when its reads are cheap enough to share nothing.</summary>
    internal TailCache? For(StreamLog log) =>
        log.Definition.Storage == StorageKind.Memory || capacity <= 0 ? null : caches.GetValue(log, l => new TailCache(l, capacity, fetchSize));
}
