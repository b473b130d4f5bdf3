namespace Sluice.Reactive.Aggregation;

/// <summary>
/// Boxed small counts, made once: an updating aggregate emits a new row per input row, and its COUNTs are mostly small
/// numbers, so boxing each result again would allocate for nothing (rows hold values as objects).
/// </summary>
internal static class BoxedCounts
{
    /// <summary>Counts below this are boxed once per process.</summary>
    public const int Cached = 4096;

    private static readonly object[] Boxes = Enumerable.Range(0, Cached).Select(i => (object)(long)i).ToArray();

    public static object Of(long count) => (ulong)count < Cached ? Boxes[count] : count;

    /// <summary>
    /// <paramref name="count"/> boxed, reusing <paramref name="previous"/> (the value the same column held in the row the
    /// group emitted last) when it is that very count: a large group's row changes in one or two of its counts per input
    /// row, so the others are not boxed again (Nexmark q16's hot channels hold eight counts above the cache).
    /// </summary>
    public static object Of(long count, object? previous) =>
        (ulong)count < Cached ? Boxes[count] : previous is long was && was == count ? previous : count;
}
