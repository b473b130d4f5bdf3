namespace Sluice.Data.Streams;

/// <summary>
/// A named kind of memo on the entries of one stream's tail (say, "rows in this column layout"), got from
/// <see cref="StreamTail.Memo{T}"/>: every consumer asking for the same name on the same stream gets the same key,
/// so they share what any of them computed.
/// </summary>
public sealed class TailMemo<T>
    where T : class
{
    private readonly Lock sync = new();
    private readonly List<TailMemoReader> readers = [];
    private int users;
    private long computed;
    private long droppedBelow;
    private object? shared;

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

    /// <summary>
    /// One object of the consumers' own type kept with this memo, created by the first caller and the same for every
    /// later one (say, what the consumers of a row layout agreed to compute). <c>src/Data</c> never looks inside it.
    /// </summary>
    public TState Shared<TState>(Func<TState> create)
        where TState : class
    {
        ArgumentNullException.ThrowIfNull(create);
        if (Volatile.Read(ref shared) is not { } existing)
        {
            existing = Interlocked.CompareExchange(ref shared, create(), null) ?? Volatile.Read(ref shared)!;
        }
        return existing as TState ?? throw new InvalidOperationException($"Memo '{Name}' shares another type than {typeof(TState).Name}.");
    }

    public void RemoveUser() => Interlocked.Decrement(ref users);

    /// <summary>
    /// A consumer that reads this memo's values in offset order from <paramref name="from"/> on, and says so with
    /// <see cref="Passed"/>: values every joined consumer has passed are dropped. Counts as a user until <see cref="Leave"/>.
    /// </summary>
    public TailMemoReader Join(long from)
    {
        var reader = new TailMemoReader(from);
        lock (sync)
        {
            readers.Add(reader);
        }
        AddUser();
        return reader;
    }

    /// <summary>A consumer that <see cref="Join"/>ed has ended; false when it had left already.</summary>
    public bool Leave(TailMemoReader reader)
    {
        lock (sync)
        {
            if (!readers.Remove(reader))
            {
                return false;
            }
        }
        RemoveUser();
        return true;
    }

    /// <summary>
    /// <paramref name="reader"/> has taken what it needs of <paramref name="entries"/> (its latest batch, in offset order).
    /// The values of those entries that every joined reader has now passed are dropped from the entries.
    /// </summary>
    /// <remarks>
    /// Without this a value stays reachable from the tail until its slot is reused, thousands of events later, which is
    /// long enough for every decoded row to outlive gen0 and be copied into gen1 (docs/benchmarks.md). A value dropped and
    /// asked for again (a reader that joins behind the others) is computed again: a cost, never a wrong answer.
    /// The reader that moves the slowest position is the one whose batch holds the entries that became unneeded.
    /// </remarks>
    public void Passed(TailMemoReader reader, IReadOnlyList<TailEntry> entries)
    {
        ArgumentNullException.ThrowIfNull(reader);
        ArgumentNullException.ThrowIfNull(entries);
        if (entries.Count == 0)
        {
            return;
        }
        long from;
        long below = long.MaxValue;
        lock (sync)
        {
            if (!readers.Contains(reader))
            {
                // Left already: it no longer holds anything back, and must not count as the slowest (or the only) reader.
                return;
            }
            reader.Next = Math.Max(reader.Next, entries[^1].Offset + 1);
            foreach (var joined in readers)
            {
                below = Math.Min(below, joined.Next);
            }
            if (below <= droppedBelow)
            {
                return;
            }
            from = droppedBelow;
            droppedBelow = below;
        }
        foreach (var entry in entries)
        {
            if (entry.Offset >= from && entry.Offset < below && entry.GetMemo(Index) is { } value && !ReferenceEquals(value, Claimed))
            {
                // Only a value: a claim in progress (another reader computing) is left alone.
                entry.CompareExchangeMemo(Index, null, value);
            }
        }
    }

    /// <summary>Values computed for entries so far, as counted by <see cref="GetOrAdd"/> and <see cref="CountComputed"/>.</summary>
    public long Computed => Interlocked.Read(ref computed);

    // Marks an entry whose value one consumer is computing (TryClaim); never handed out as a value.
    private static readonly object Claimed = new();

    public void CountComputed(long values) => Interlocked.Add(ref computed, values);

    /// <summary>The entry's value; null when there is none yet or it is being computed (<see cref="TryClaim"/>).</summary>
    public T? Get(TailEntry entry) => entry.GetMemo(Index) as T;

    public void Set(TailEntry entry, T value) => entry.SetMemo(Index, value);

    /// <summary>
    /// Takes the entry's value to compute when nobody has it yet: true means the caller must then <see cref="Set"/> it
    /// (or <see cref="Release"/> it when computing fails). False means it is known or being computed by another consumer
    /// (<see cref="IsPending"/>). Consumers sharing a batch thus split its work between them instead of waiting on one.
    /// </summary>
    public bool TryClaim(TailEntry entry) => entry.CompareExchangeMemo(Index, Claimed, null) is null;

    /// <summary>True while another consumer computes the entry's value (claimed, not yet set).</summary>
    public bool IsPending(TailEntry entry) => ReferenceEquals(entry.GetMemo(Index), Claimed);

    /// <summary>Gives up a claim without a value, so another consumer computes it.</summary>
    public void Release(TailEntry entry) => entry.CompareExchangeMemo(Index, null, Claimed);

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

/// <summary>A consumer's position in a <see cref="TailMemo{T}"/>'s entries (<see cref="TailMemo{T}.Join"/>).</summary>
public sealed class TailMemoReader
{
    internal TailMemoReader(long next) => Next = next;

    /// <summary>The offset of the first entry this reader has not passed yet.</summary>
    internal long Next { get; set; }
}

/// <summary>A value to attach to a new event's tail entry as it is appended, so no consumer has to compute it.</summary>
public sealed class EventMemo(int index, object value)
{
    internal int Index { get; } = index;

    internal object Value { get; } = value;

    public static EventMemo For<T>(TailMemo<T> memo, T value)
        where T : class => new(memo.Index, value);
}
