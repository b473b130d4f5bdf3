namespace Sluice.Data.Streams;

/// <summary>
/// One event of a stream's tail (<see cref="StreamTail"/>) and the memos its consumers attached to it:
/// what they derived from the event once (a decoded row, the wire encoding) and share with every other
/// consumer of the same event. <c>src/Data</c> stores memos as objects and never looks inside them.
/// </summary>
/// <remarks>
/// A memo is a cache: a consumer that finds none computes the value and sets it. Two consumers racing on
/// one entry may both compute (either result is right), and a memo set while another key grows the memo
/// array may be lost, costing one more computation, never a wrong answer.
/// Memo 0 (the first key a stream hands out, usually the queries' row layout) lives in a field of the entry:
/// an array per event for a stream read in one layout was a quarter of the tail's bytes per event.
/// </remarks>
public sealed class TailEntry(StoredEvent stored)
{
    private object? first;
    private object?[]? others;

    public StoredEvent Event { get; } = stored;

    public long Offset => Event.Offset;

    internal object? GetMemo(int index)
    {
        if (index == 0)
        {
            return Volatile.Read(ref first);
        }
        var current = Volatile.Read(ref others);
        return current is not null && index - 1 < current.Length ? Volatile.Read(ref current[index - 1]) : null;
    }

    /// <summary>Sets memo <paramref name="index"/> to <paramref name="value"/> when it holds <paramref name="comparand"/>; returns what it held.</summary>
    internal object? CompareExchangeMemo(int index, object? value, object? comparand)
    {
        if (index == 0)
        {
            return Interlocked.CompareExchange(ref first, value, comparand);
        }
        var slot = index - 1;
        while (true)
        {
            var current = Volatile.Read(ref others);
            if (current is not null && slot < current.Length)
            {
                return Interlocked.CompareExchange(ref current[slot], value, comparand);
            }
            if (comparand is not null || value is null)
            {
                // A missing slot holds null.
                return null;
            }
            if (Interlocked.CompareExchange(ref others, Grown(current, slot, value), current) == current)
            {
                return null;
            }
        }
    }

    internal void SetMemo(int index, object? value)
    {
        if (index == 0)
        {
            Volatile.Write(ref first, value);
            return;
        }
        var slot = index - 1;
        while (true)
        {
            var current = Volatile.Read(ref others);
            if (current is not null && slot < current.Length)
            {
                Volatile.Write(ref current[slot], value);
                return;
            }
            if (value is null || Interlocked.CompareExchange(ref others, Grown(current, slot, value), current) == current)
            {
                return;
            }
        }
    }

    private static object?[] Grown(object?[]? current, int slot, object value)
    {
        var grown = new object?[slot + 1];
        current?.CopyTo(grown, 0);
        grown[slot] = value;
        return grown;
    }
}
