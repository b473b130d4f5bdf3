namespace Sluice.Data.Streams;

/// <summary>
/// A named kind of memo on the entries of one stream's tail (say, "rows in this column layout"), got from
/// <see cref="StreamTail.Memo{T}"/>: every consumer asking for the same name on the same stream gets the same key,
/// so they share what any of them computed.
/// </summary>
public sealed class TailMemo<T>
    where T : class
{
    private int users;
    private long computed;

    internal TailMemo(string name, int index)
    {
        Name = name;
        Index = index;
    }

    public string Name { get; }

    internal int Index { get; }

    /// <summary>Consumers that said they use this memo; a consumer alone may skip storing values nobody else will read.</summary>
    public int Users => Volatile.Read(ref users);

    public void AddUser() => Interlocked.Increment(ref users);

    public void RemoveUser() => Interlocked.Decrement(ref users);

    /// <summary>Values computed for entries so far, as counted by <see cref="GetOrAdd"/> and <see cref="CountComputed"/>.</summary>
    public long Computed => Interlocked.Read(ref computed);

    /// <summary>A lock for consumers that compute values of this memo in batches and want each computed once.</summary>
    public Lock Gate { get; } = new();

    public void CountComputed(long values) => Interlocked.Add(ref computed, values);

    public T? Get(TailEntry entry) => (T?)entry.GetMemo(Index);

    public void Set(TailEntry entry, T value) => entry.SetMemo(Index, value);

    /// <summary>The entry's memo, computed by <paramref name="compute"/> and stored when there is none yet.</summary>
    public T GetOrAdd<TState>(TailEntry entry, Func<StoredEvent, TState, T> compute, TState state)
    {
        if (Get(entry) is { } known)
        {
            return known;
        }
        var value = compute(entry.Event, state);
        Set(entry, value);
        Interlocked.Increment(ref computed);
        return value;
    }
}

/// <summary>A value to attach to a new event's tail entry as it is appended, so no consumer has to compute it.</summary>
public sealed class EventMemo(int index, object value)
{
    internal int Index { get; } = index;

    internal object Value { get; } = value;

    public static EventMemo For<T>(TailMemo<T> memo, T value)
        where T : class => new(memo.Index, value);
}
