using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Sluice.Reactive.Aggregation;
using Sluice.Reactive.Runtime.Checkpoints;

namespace Sluice.Reactive.Operators;

/// <summary>
/// One side of a join's stored rows. Rows live as structs in a ring ordered by arrival and addressed by a sequence
/// number (<see cref="JoinSlots"/>), so storing a row allocates no object: a join buffering seconds of input would
/// otherwise create one mid-lived object per row, which the generational GC handles worst. Rows of one key form a
/// doubly linked chain, oldest first, whose ends the dictionary holds; any row unlinks in O(1), so expiry (ordered or
/// not) and retraction never walk a chain. A dead slot is reused only once every older slot is dead too.
/// The key index is built only when probes need it: while a side is small, or probed rarely compared with how often
/// rows arrive (a window aggregate's one row per window probing seconds of buffered input), a probe scans the ring
/// instead, which finds the same rows in the same (arrival) order, and inserts and expiries skip the dictionary.
/// </summary>
internal sealed class JoinState(JoinExpiry[] expiry, int[]? keyColumns = null)
{
    public const long None = -1;

    /// <summary>
    /// A stored row: 48 bytes. The key is kept as its value when it has one column, not at all when its columns are
    /// plain columns of the row (<c>keyColumns</c>: it is read back from the row), boxed otherwise, with its hash; a slot
    /// is live while it holds a row. A 40-byte <see cref="GroupKey"/> per row made the slot 80 bytes, and a regular join
    /// keeps every row it is given, so the size of a slot is most of what its state allocates.
    /// </summary>
    public struct Slot
    {
        private static readonly object NoKey = default(GroupKey);
        private static readonly object InRow = new();

        public object?[]? Row;
        private object? key;
        public long Time;
        public long Prev;
        public long Next;
        private int keyHash;
        public int Matches;

        public readonly bool Live => Row is not null;

        /// <summary>The key (equal to the one stored, with the same hash); <paramref name="keyColumns"/> as given to <see cref="SetKey"/>.</summary>
        public readonly GroupKey Key(int[]? keyColumns) =>
            ReferenceEquals(key, InRow) ? FromRow(Row!, keyColumns!)
            : key is GroupKey boxed ? boxed
            : GroupKey.FromParts(1, key, null, null, null);

        private static GroupKey FromRow(object?[] row, int[] columns) =>
            GroupKey.FromParts(columns.Length, row[columns[0]], row[columns[1]], columns.Length > 2 ? row[columns[2]] : null, null);

        /// <summary>Sets the key of the row already in <see cref="Row"/>; <paramref name="keyColumns"/>: the row's columns the key is made of, when it is plain columns.</summary>
        public void SetKey(GroupKey value, int[]? keyColumns)
        {
            keyHash = value.GetHashCode();
            if (value.Count == 1) key = value[0];
            else if (value.Count == 0) key = NoKey;
            else if (keyColumns is { Length: 2 or 3 } && keyColumns.Length == value.Count && !value.HasNull) key = InRow;
            else key = value;
        }

        /// <summary>Whether this live slot's key is <paramref name="other"/>.</summary>
        public readonly bool HasKey(GroupKey other, int[]? keyColumns)
        {
            if (keyHash != other.GetHashCode()) return false;
            if (ReferenceEquals(key, InRow))
            {
                // Never true in a join (both sides' keys have its arity, and the hash covers the count); guards the reads below.
                if (other.Count != keyColumns!.Length) return false;
                for (var i = 0; i < keyColumns.Length; i++)
                {
                    if (!Equals(Row![keyColumns[i]], other[i])) return false;
                }
                return true;
            }
            return key is GroupKey boxed ? boxed.Equals(other) : other.Count == 1 && Equals(key, other[0]);
        }

        /// <summary>Whether this live slot's key is that of <paramref name="other"/>, another live slot of the side.</summary>
        public readonly bool SameKey(in Slot other, int[]? keyColumns) =>
            keyHash == other.keyHash && (ReferenceEquals(key, InRow) || ReferenceEquals(other.key, InRow) || key is GroupKey || other.key is GroupKey
                ? Key(keyColumns).Equals(other.Key(keyColumns))
                : Equals(key, other.key));
    }

    private readonly struct Chain(long first, long last)
    {
        public readonly long First = first;
        public readonly long Last = last;
    }

    // Sides up to this size are always scanned; larger ones while scanning costs at most ScanPerInsert slots per stored row.
    // Scanning or indexing finds the same rows in the same order, so these thresholds change speed only (no test can
    // tell them apart; JoinStateTests run each rule both scanned and indexed).
    private const int SmallSide = 8;
    private const int ScanPerInsert = 4;
    private const int ScanAllowance = 4096;

    private Dictionary<GroupKey, Chain>? chains;
    private long scanned;
    // Expiry times mostly arrive in order: those go to a FIFO (O(1)); the rest to a priority queue.
    private readonly Queue<(long Seq, long ExpiresAfter)> orderedTimers = new();
    private readonly PriorityQueue<long, long> timers = new();
    private long lastOrdered = long.MinValue;
    private JoinSlots slots = new();
    private long oldest;
    private long next;

    /// <summary>The latest other-side event time a row could still match; long.MaxValue when unbounded.</summary>
    public long ExpiresAfter(object?[] row)
    {
        var result = long.MaxValue;
        foreach (var e in expiry)
        {
            if (Windows.WindowAssigner.Ticks(e.Expression(row)) is not { } t) return long.MinValue; // NULL bound: matches nothing
            result = Math.Min(result, t + e.Offset);
        }
        return result;
    }

    /// <summary>How many rows this side has room for before its storage grows (tests).</summary>
    public long Capacity => slots.Capacity;

    /// <summary>The stored row with this sequence number (valid until the next store or removal on this side).</summary>
    public ref Slot At(long seq) => ref slots.At(seq);

    /// <summary>The oldest live row of the key, or <see cref="None"/>; <see cref="NextOf"/> gives the following ones.</summary>
    public long First(GroupKey key)
    {
        if (chains is null)
        {
            var size = next - oldest;
            if (size <= SmallSide) return Scan(oldest, key);
            scanned += size;
            if (scanned <= ScanPerInsert * next + ScanAllowance) return Scan(oldest, key);
            BuildIndex();
        }
        return chains!.TryGetValue(key, out var chain) ? chain.First : None;
    }

    /// <summary>The next live row of the same key after <paramref name="seq"/>, or <see cref="None"/>.</summary>
    public long NextOf(long seq)
    {
        if (chains is not null) return At(seq).Next;
        ref var current = ref At(seq);
        for (var later = seq + 1; later < next; later++)
        {
            ref var slot = ref At(later);
            if (slot.Live && slot.SameKey(current, keyColumns)) return later;
        }
        return None;
    }

    private long Scan(long from, GroupKey key)
    {
        for (var seq = from; seq < next; seq++)
        {
            ref var slot = ref At(seq);
            if (slot.Live && slot.HasKey(key, keyColumns)) return seq;
        }
        return None;
    }

    private void BuildIndex()
    {
        chains = [];
        for (var seq = oldest; seq < next; seq++)
        {
            if (At(seq).Live) Link(seq, At(seq).Key(keyColumns));
        }
    }

    private void Link(long seq, GroupKey key)
    {
        ref var slot = ref At(seq);
        ref var chain = ref CollectionsMarshal.GetValueRefOrAddDefault(chains!, key, out var exists);
        slot.Next = None;
        if (exists)
        {
            slot.Prev = chain.Last;
            At(chain.Last).Next = seq;
            chain = new Chain(chain.First, seq);
        }
        else
        {
            slot.Prev = None;
            chain = new Chain(seq, seq);
        }
    }

    public long Store(object?[] row, long time, GroupKey key, long expiresAfter)
    {
        slots.MakeRoom(oldest, next);
        var seq = next++;
        // Field by field: assigning a whole struct that holds references copies it with a bulk write barrier.
        ref var slot = ref At(seq);
        slot.Row = row;
        slot.SetKey(key, keyColumns);
        slot.Time = time;
        slot.Prev = None;
        slot.Next = None;
        if (chains is not null) Link(seq, key);
        if (expiresAfter != long.MaxValue)
        {
            if (expiresAfter >= lastOrdered)
            {
                orderedTimers.Enqueue((seq, expiresAfter));
                lastOrdered = expiresAfter;
            }
            else timers.Enqueue(seq, expiresAfter);
        }
        return seq;
    }

    /// <summary>Removes the oldest stored row of the key equal to <paramref name="values"/>; false when there is none.</summary>
    public bool Remove(GroupKey key, object?[] values)
    {
        for (var seq = First(key); seq != None; seq = NextOf(seq))
        {
            if (!GroupAggregateSink.SameValues(At(seq).Row!, values)) continue;
            Unlink(seq);
            return true;
        }
        return false;
    }

    /// <summary>Drops every row that can no longer match once the other side's watermark is <paramref name="otherWatermark"/>.</summary>
    public int Expire(long otherWatermark)
    {
        var released = 0;
        while (orderedTimers.TryPeek(out var timer) && timer.ExpiresAfter < otherWatermark)
        {
            orderedTimers.Dequeue();
            released += Release(timer.Seq);
        }
        while (timers.TryPeek(out var seq, out var expiresAfter) && expiresAfter < otherWatermark)
        {
            timers.Dequeue();
            released += Release(seq);
        }
        return released;
    }

    private int Release(long seq)
    {
        // A retracted row's timer may outlive it. Its slot is reused only once every older slot is dead (oldest has
        // moved past it), so a live slot at or after oldest is always this row's own.
        if (seq < oldest || !At(seq).Live) return 0;
        Unlink(seq);
        return 1;
    }

    private void Unlink(long seq)
    {
        ref var slot = ref At(seq);
        if (chains is not null) Unchain(ref slot);
        slot = default;
        while (oldest < next && !At(oldest).Live) oldest++;
    }

    private void Unchain(ref Slot slot)
    {
        if (slot.Prev == None && slot.Next == None)
        {
            chains!.Remove(slot.Key(keyColumns));
            return;
        }
        if (slot.Prev != None) At(slot.Prev).Next = slot.Next;
        if (slot.Next != None) At(slot.Next).Prev = slot.Prev;
        ref var chain = ref CollectionsMarshal.GetValueRefOrNullRef(chains!, slot.Key(keyColumns));
        chain = new Chain(slot.Prev == None ? slot.Next : chain.First, slot.Next == None ? slot.Prev : chain.Last);
    }

    /// <summary>
    /// Writes the ring from its oldest slot (dead slots as a flag, so sequence numbers and the timers that name them
    /// stay valid), the timers in their order, and whether the key index was built (<see cref="JoinSideSnapshot.Write"/>:
    /// one writer for both, so a capture serialized later writes exactly these bytes).
    /// </summary>
    public void WriteState(BinaryWriter writer)
    {
        var snapshot = new JoinSideSnapshot();
        CaptureInto(snapshot);
        snapshot.Write(writer);
    }

    /// <summary>Copies this side's state into <paramref name="snapshot"/> (on the driver, between batches), to be written later on any thread.</summary>
    public void CaptureInto(JoinSideSnapshot snapshot) =>
        snapshot.CopyFrom(oldest, next, scanned, lastOrdered, chains is not null, slots, orderedTimers, timers, keyColumns);

    /// <summary>Restores what <see cref="WriteState"/> wrote into this empty side; returns how many rows it holds.</summary>
    public int ReadState(BinaryReader reader)
    {
        oldest = reader.ReadInt64();
        next = reader.ReadInt64();
        scanned = reader.ReadInt64();
        lastOrdered = reader.ReadInt64();
        var indexed = reader.ReadBoolean();
        // Every row takes at least a byte and the two timer counts follow: a range as long as the bytes left is corrupt too.
        if (next < oldest || next - oldest >= reader.BaseStream.Length - reader.BaseStream.Position)
        {
            throw new InvalidDataException($"A checkpoint of join state says rows {oldest} to {next} in {reader.BaseStream.Length - reader.BaseStream.Position} byte(s).");
        }
        slots = JoinSlots.For(oldest, next);
        var live = 0;
        for (var seq = oldest; seq < next; seq++)
        {
            if (!reader.ReadBoolean()) continue;
            var row = CheckpointValues.ReadRow(reader);
            var key = CheckpointValues.ReadKey(reader);
            ref var slot = ref At(seq);
            slot.Row = row;
            slot.SetKey(key, null); // a composite key read back is kept boxed: it is not checked against the row's columns
            slot.Time = reader.ReadInt64();
            slot.Matches = reader.ReadInt32();
            slot.Prev = None;
            slot.Next = None;
            live++;
        }
        if (indexed) BuildIndex();
        for (var t = CheckpointValues.ReadCount(reader); t > 0; t--) orderedTimers.Enqueue((reader.ReadInt64(), reader.ReadInt64()));
        CheckpointQueues.Read(reader, timers, () => (reader.ReadInt64(), reader.ReadInt64()));
        return live;
    }
}
