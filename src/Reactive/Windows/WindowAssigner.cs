using Sluice.Reactive.Expressions;

namespace Sluice.Reactive.Windows;

/// <summary>Window arithmetic on ticks: which TUMBLE/HOP windows contain an instant.</summary>
internal static class WindowAssigner
{
    /// <summary>The start of the latest window (aligned to <paramref name="slide"/> from the epoch of DateTime) that contains <paramref name="time"/>.</summary>
    public static long LastStart(long time, long slide) => time - (time % slide);

    /// <summary>Reads an event-time value: a timestamp, or anything <see cref="DynamicOps.ToTimestamp"/> accepts.</summary>
    public static long? Ticks(object? value) => value switch
    {
        null => null,
        DateTime t => t.Ticks,
        _ => DynamicOps.ToTimestamp(value)?.Ticks,
    };
}
