namespace Sluice.Data.Streams;

/// <summary>
/// The recent events of one stream, held in memory for both engines and shared by every consumer of the
/// stream (queries and live subscribers read through <see cref="StreamCursor"/>). An append puts what it
/// just stored (committed, for PostgreSQL) here, so consumers at the head never read the store; a consumer
/// behind reads the store once per range however many consumers want that range (concurrent reads of one
/// range share one store read, and what it returns is kept for the others).
/// </summary>
/// <remarks>
/// A ring of entries indexed by offset, read without locks: a slot holds the entry of the last offset put into it,
/// and a reader takes an entry only when its offset is the one asked for. Appends and store reads both replace the
/// slots they fill: consumers that fell behind the appends (queries catching up together, as after a burst) then
/// share what the first of them read, decoded rows included, instead of each reading and decoding on its own.
/// Entries carry memos (<see cref="TailMemo{T}"/>): what consumers derive from an event is computed once per event.
/// A memory stream (<see cref="StreamLog.ReadsInPlace"/>) has its ring for a store: while no cursor reads near its head,
/// appends keep here only the events that carry a memo, and the first cursor to read any other event makes its entry
/// from the ring, in place, for all. A stream nobody reads (most query outputs) thus costs no entry per event.
/// </remarks>
public sealed class StreamTail
{
    /// <summary>Entries kept per stream (fewer for a memory stream of smaller capacity).</summary>
    /// <remarks>
    /// Queries lag ingest by more than one 1,024-event batch under load; at 4,096 three Nexmark queries kept falling off the
    /// tail into store reads and cost 15-20 % of end-to-end CPU (docs/benchmarks.md). 16,384 slots are 128 KiB per stream.
    /// </remarks>
    public const int DefaultCapacity = 16_384;

    private readonly StreamLog log;
    private readonly TailEntry?[] ring;
    private readonly Lock sync = new();
    private readonly Dictionary<long, Task<ReadOutcome>> fetches = [];
    private readonly Dictionary<string, object> memos = new(StringComparer.Ordinal);
    private long storeReads;
    // The end of the furthest read of a log that reads in place: how the log tells whether anyone follows the stream.
    private long readUpTo = long.MinValue / 2;

    internal StreamTail(StreamLog log, int capacity)
    {
        this.log = log;
        ring = new TailEntry?[Math.Max(1, capacity)];
    }

    /// <summary>Reads of the store made on behalf of cursors (each range once, however many cursors asked).</summary>
    public long StoreReads => Interlocked.Read(ref storeReads);

    /// <summary>The memo called <paramref name="name"/> on this stream's entries; the same key for every caller.</summary>
    public TailMemo<T> Memo<T>(string name)
        where T : class
    {
        lock (sync)
        {
            if (!memos.TryGetValue(name, out var memo))
            {
                memo = new TailMemo<T>(name, memos.Count);
                memos[name] = memo;
            }
            return memo as TailMemo<T> ?? throw new InvalidOperationException($"Memo '{name}' holds another type than {typeof(T).Name}.");
        }
    }

    /// <summary>
    /// For a log that <see cref="StreamLog.ReadsInPlace"/>: whether some cursor has read within one ring's length of
    /// <paramref name="head"/>, so events appended now will be read while this ring still holds them. The log then keeps
    /// them as it appends (one entry per event, made once, as for any other log); a stream nobody reads keeps none.
    /// </summary>
    internal bool IsFollowed(long head) => head - Volatile.Read(ref readUpTo) < ring.Length;

    /// <summary>Keeps a newly appended event; called by the engine in offset order, before the head moves past it.</summary>
    internal void Add(StoredEvent stored, EventMemo? memo)
    {
        var entry = new TailEntry(stored);
        if (memo is not null)
        {
            entry.SetMemo(memo.Index, memo.Value);
        }
        Volatile.Write(ref ring[stored.Offset % ring.Length], entry);
    }

    /// <summary>Up to <paramref name="limit"/> entries from <paramref name="from"/> (below the head), from memory or else the store.</summary>
    internal async ValueTask<TailRead> ReadAsync(long from, int limit, CancellationToken cancellationToken)
    {
        if (log.ReadsInPlace)
        {
            var count = Math.Min(limit, log.Position.HeadOffset - from);
            if (from + count > Volatile.Read(ref readUpTo))
            {
                // Racy on purpose: a missed raise only delays keeping appends by one read.
                Volatile.Write(ref readUpTo, from + count);
            }
            return ReadInPlace(from, count);
        }
        while (true)
        {
            var head = log.Position.HeadOffset;
            if (Collect(from, Math.Min(limit, head - from)) is { } held)
            {
                return new TailRead(held, null);
            }
            Task<ReadOutcome> fetch;
            lock (sync)
            {
                if (Find(from) is not null)
                {
                    continue;
                }
                if (!fetches.TryGetValue(from, out fetch!))
                {
                    fetch = FetchAsync(from, limit);
                    fetches[from] = fetch;
                }
            }
            var outcome = await fetch.WaitAsync(cancellationToken);
            if (outcome is not ReadOutcome.Events { Items: var items })
            {
                return new TailRead([], outcome);
            }
            if (items.Count == 0)
            {
                return new TailRead([], null);
            }
            // Kept by the fetch (or by appends meanwhile): take them from the ring, falling back to the fetched events.
            var count = Math.Min(limit, items.Count);
            var entries = new TailEntry[count];
            for (var i = 0; i < count; i++)
            {
                entries[i] = Find(items[i].Offset) ?? new TailEntry(items[i]);
            }
            return new TailRead(entries, null);
        }
    }

    /// <summary>
    /// The entries from <paramref name="from"/> of a log that <see cref="StreamLog.ReadsInPlace"/>: those held, and for the
    /// rest new entries made from the log's copy and put into the ring, so the cursors after this one share them (and their memos).
    /// </summary>
    private TailRead ReadInPlace(long from, long count)
    {
        if (count <= 0)
        {
            return new TailRead([], null);
        }
        var entries = new TailEntry[count];
        var held = 0;
        while (held < count && Find(from + held) is { } entry)
        {
            entries[held++] = entry;
        }
        if (held == count)
        {
            return new TailRead(entries, null);
        }
        var missing = (int)(count - held);
        var copied = System.Buffers.ArrayPool<StoredEvent?>.Shared.Rent(missing);
        try
        {
            var read = log.ReadHeld(from + held, copied.AsSpan(0, missing), out var retainedFrom);
            if (read < 0)
            {
                // Evicted while this cursor came: what was held is still an answer, else the cursor skips.
                return held > 0 ? new TailRead(entries[..held], null) : new TailRead([], new ReadOutcome.Gone(retainedFrom));
            }
            for (var i = 0; i < read; i++)
            {
                entries[held + i] = Share(copied[i]!);
            }
            var total = held + read;
            return new TailRead(total == entries.Length ? entries : entries[..total], null);
        }
        finally
        {
            Array.Clear(copied, 0, missing);
            System.Buffers.ArrayPool<StoredEvent?>.Shared.Return(copied);
        }
    }

    /// <summary>The ring's entry for <paramref name="stored"/>: the one held, or a new one put in its slot (whoever puts it first wins).</summary>
    private TailEntry Share(StoredEvent stored)
    {
        ref var slot = ref ring[stored.Offset % ring.Length];
        var current = Volatile.Read(ref slot);
        if (current is not null && current.Offset == stored.Offset)
        {
            return current;
        }
        var made = new TailEntry(stored);
        var raced = Interlocked.CompareExchange(ref slot, made, current);
        if (ReferenceEquals(raced, current))
        {
            return made;
        }
        // Another cursor (or an append with a memo) filled the slot meanwhile: take its entry when it is this event's.
        return raced is not null && raced.Offset == stored.Offset ? raced : made;
    }

    /// <summary>Whether the ring holds the entry of <paramref name="offset"/> now (for tests).</summary>
    internal bool Holds(long offset) => Find(offset) is not null;

    private TailEntry? Find(long offset)
    {
        var entry = Volatile.Read(ref ring[offset % ring.Length]);
        return entry is not null && entry.Offset == offset ? entry : null;
    }

    /// <summary>The consecutive entries held from <paramref name="from"/>, at most <paramref name="limit"/>; null when the first is not held.</summary>
    private TailEntry[]? Collect(long from, long limit)
    {
        if (limit <= 0 || Find(from) is not { } first)
        {
            return null;
        }
        var entries = new TailEntry[limit];
        entries[0] = first;
        var count = 1;
        // An append may replace a slot while we copy: stop at the first entry that is not the one asked for.
        while (count < limit && Find(from + count) is { } entry)
        {
            entries[count++] = entry;
        }
        return count == entries.Length ? entries : entries[..count];
    }

    private async Task<ReadOutcome> FetchAsync(long from, int limit)
    {
        // Leave the caller's lock first. The read runs without any one caller's cancellation, since others may share it.
        await Task.Yield();
        try
        {
            Interlocked.Increment(ref storeReads);
            var outcome = await log.ReadAsync(from, limit, CancellationToken.None);
            if (outcome is ReadOutcome.Events { Items: var items })
            {
                foreach (var stored in items)
                {
                    ref var slot = ref ring[stored.Offset % ring.Length];
                    if (Volatile.Read(ref slot)?.Offset != stored.Offset)
                    {
                        Volatile.Write(ref slot, new TailEntry(stored));
                    }
                }
            }
            return outcome;
        }
        finally
        {
            lock (sync)
            {
                fetches.Remove(from);
            }
        }
    }
}

/// <summary>What <see cref="StreamTail.ReadAsync"/> found: entries, or the store's answer when it had none to give (gone, not found).</summary>
internal readonly record struct TailRead(TailEntry[] Entries, ReadOutcome? Refused);
