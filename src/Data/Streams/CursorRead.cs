namespace Sluice.Data.Streams;

/// <summary>What a <see cref="StreamCursor"/> read came to.</summary>
public abstract record CursorRead
{
    private CursorRead() { }

    /// <summary>The next events, in offset order (at least one); the cursor has moved past them.</summary>
    public sealed record Events(IReadOnlyList<TailEntry> Entries) : CursorRead;

    /// <summary>
    /// Offsets <paramref name="From"/> up to (not including) <paramref name="To"/> were evicted before the cursor read them
    /// (a memory stream that filled up); the cursor has moved on to <paramref name="To"/>, the first retained offset.
    /// </summary>
    public sealed record Skipped(long From, long To) : CursorRead;

    /// <summary>The stream was deleted; nothing more will come.</summary>
    public sealed record Deleted : CursorRead;

    /// <summary>Nothing new yet (only from <see cref="StreamCursor.TryReadAsync"/>, which does not wait).</summary>
    public sealed record Empty : CursorRead;

    internal static readonly Deleted StreamDeleted = new();

    internal static readonly Empty NothingNew = new();
}
