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
/// </remarks>
public sealed class TailEntry(StoredEvent stored)
{
    private object?[]? memos;

    public StoredEvent Event { get; } = stored;

    public long Offset => Event.Offset;

    internal object? GetMemo(int index)
    {
        var current = Volatile.Read(ref memos);
        return current is not null && index < current.Length ? Volatile.Read(ref current[index]) : null;
    }

    /// <summary>Sets memo <paramref name="index"/> to <paramref name="value"/> when it holds <paramref name="comparand"/>; returns what it held.</summary>
    internal object? CompareExchangeMemo(int index, object? value, object? comparand)
    {
        while (true)
        {
            var current = Volatile.Read(ref memos);
            if (current is not null && index < current.Length)
            {
                return Interlocked.CompareExchange(ref current[index], value, comparand);
            }
            if (comparand is not null || value is null)
            {
                // A missing slot holds null.
                return null;
            }
            var grown = new object?[index + 1];
            current?.CopyTo(grown, 0);
            grown[index] = value;
            if (Interlocked.CompareExchange(ref memos, grown, current) == current)
            {
                return null;
            }
        }
    }

    internal void SetMemo(int index, object value)
    {
        while (true)
        {
            var current = Volatile.Read(ref memos);
            if (current is not null && index < current.Length)
            {
                Volatile.Write(ref current[index], value);
                return;
            }
            var grown = new object?[index + 1];
            current?.CopyTo(grown, 0);
            grown[index] = value;
            if (Interlocked.CompareExchange(ref memos, grown, current) == current)
            {
                return;
            }
        }
    }
}
