using Sluice.Data.Streams;
using Sluice.Reactive;
using Sluice.Reactive.Rows;

namespace Sluice.Api.Queries;

/// <summary>
/// The recently decoded rows of one stream in one column layout, shared by every query run that reads
/// the stream with that layout: a stream with a schema gives every query the same layout (all declared
/// columns), so Nexmark q0, q1 and q2 decode each bid once between them instead of once each.
/// </summary>
/// <remarks>
/// A ring of slots indexed by offset; a slot holds the row of the last offset decoded into it. Runs read
/// it without locks (a slot is replaced whole, so a reader sees either its offset's row or a miss) and fill
/// it under one lock per cache.
/// Rows are shared between runs, as the engine already shares one row between the inputs of a query that
/// reads a stream twice: operators never write to an input row.
/// </remarks>
internal sealed class DecodedRowCache
{
    private readonly RowDecoder decoder;
    private readonly Slot?[] slots;
    private readonly long mask;
    private readonly Lock gate = new();
    private long decoded;
    private int readers;

    /// <param name="columns">The layout rows are decoded into.</param>
    /// <param name="capacity">Rows kept; rounded up to a power of two. Runs more than this many events apart decode on their own.</param>
    public DecodedRowCache(IReadOnlyList<ColumnInfo> columns, int capacity)
    {
        decoder = new RowDecoder(columns);
        var size = (int)Math.Min(1 << 30, System.Numerics.BitOperations.RoundUpToPowerOf2((uint)Math.Max(1, capacity)));
        slots = new Slot?[size];
        mask = size - 1;
    }

    /// <summary>Events decoded so far (misses); the rest were served from the cache.</summary>
    public long Decoded => Interlocked.Read(ref decoded);

    /// <summary>A run starts reading through this cache. Rows are kept only while two or more runs read.</summary>
    public void AddReader() => Interlocked.Increment(ref readers);

    /// <summary>A run that called <see cref="AddReader"/> has ended.</summary>
    public void RemoveReader() => Interlocked.Decrement(ref readers);

    /// <summary>The rows of <paramref name="items"/> (consecutive events of the stream) into <paramref name="rows"/>: decoded once, then shared.</summary>
    /// <remarks>
    /// Runs usually arrive at a fresh batch together, right after the append that woke them all. The first to miss
    /// decodes the rest of the batch under the lock while the others wait for it and then find the rows, rather than
    /// every run decoding the same events at once.
    /// </remarks>
    public void Decode(IReadOnlyList<StoredEvent> items, object?[][] rows)
    {
        if (Volatile.Read(ref readers) <= 1)
        {
            // Nobody to share with: keeping rows would only make them outlive gen0 for nothing.
            for (var i = 0; i < items.Count; i++)
            {
                rows[i] = decoder.Decode(items[i].Data.Span);
            }
            Interlocked.Add(ref decoded, items.Count);
            return;
        }
        var k = 0;
        for (; k < items.Count && TryGet(items[k].Offset, out rows[k]); k++)
        {
        }
        if (k == items.Count)
        {
            return;
        }
        lock (gate)
        {
            for (; k < items.Count; k++)
            {
                var stored = items[k];
                if (!TryGet(stored.Offset, out rows[k]))
                {
                    var row = decoder.Decode(stored.Data.Span);
                    Volatile.Write(ref slots[stored.Offset & mask], new Slot(stored.Offset, row));
                    Interlocked.Increment(ref decoded);
                    rows[k] = row;
                }
            }
        }
    }

    private bool TryGet(long offset, out object?[] row)
    {
        var cached = Volatile.Read(ref slots[offset & mask]);
        if (cached is not null && cached.Offset == offset)
        {
            row = cached.Row;
            return true;
        }
        row = null!;
        return false;
    }

    private sealed class Slot(long offset, object?[] row)
    {
        public long Offset { get; } = offset;

        public object?[] Row { get; } = row;
    }
}
