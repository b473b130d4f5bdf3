using System.Diagnostics;

namespace Sluice.Fanout;

/// <summary>Wall-clock milliseconds with sub-millisecond resolution, shared by the pacer and the subscribers of one process.</summary>
public static class FanoutClock
{
    private static readonly double StartMs = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
    private static readonly long StartTicks = Stopwatch.GetTimestamp();

    public static double NowMs() => StartMs + Stopwatch.GetElapsedTime(StartTicks).TotalMilliseconds;
}
