namespace Sluice.Reactive.Operators;

internal enum ElementKind : byte
{
    Insert,
    Delete,
    Watermark,
}

/// <summary>
/// What flows between operators: a row (inserted or retracted) with its event time, or a watermark
/// (no later row will carry an earlier event time than <see cref="Time"/>, except late ones).
/// </summary>
internal readonly struct Element(ElementKind kind, object?[]? row, long time)
{
    public readonly object?[]? Row = row;
    public readonly long Time = time;
    public readonly ElementKind Kind = kind;

    public static Element Watermark(long time) => new(ElementKind.Watermark, null, time);

    public static Element Insert(object?[] row, long time) => new(ElementKind.Insert, row, time);

    public static Element Delete(object?[] row, long time) => new(ElementKind.Delete, row, time);
}

/// <summary>Ticks of the watermark that is past every event: sent when all inputs complete.</summary>
internal static class Watermarks
{
    public const long Infinite = long.MaxValue;

    /// <summary>Before any event: below every event time.</summary>
    public const long Start = long.MinValue;
}
