using System.Diagnostics;

namespace Sluice.Reactive.Runtime;

/// <summary>
/// Milliseconds since this process started, for the start-up timeline in the log (docs/benchmarks.md, "Recovery timeline"):
/// each phase of a start (runtime up, host built, catalog migrated, streams open, each query's checkpoint read and restored,
/// caught up) says when it ended, on one clock that begins before the runtime does.
/// </summary>
public static class ProcessUptime
{
    private static readonly DateTime Started = StartTime();

    public static long Milliseconds => (long)(DateTime.UtcNow - Started).TotalMilliseconds;

    /// <summary>"1234 ms (CPU 987 ms)": the uptime and the CPU the process used so far (on a shared machine the CPU is the steadier figure).</summary>
    public static string Now => At(DateTime.UtcNow, Environment.CpuUsage.TotalTime);

    /// <summary>What <see cref="Now"/> said, or would have said, at <paramref name="utc"/> with <paramref name="cpu"/> used (a moment noted cheaply, printed later).</summary>
    public static string At(DateTime utc, TimeSpan cpu) =>
        FormattableString.Invariant($"{(long)(utc - Started).TotalMilliseconds} ms (CPU {(long)cpu.TotalMilliseconds} ms)");

    private static DateTime StartTime()
    {
        try
        {
            using var process = Process.GetCurrentProcess();
            return process.StartTime.ToUniversalTime();
        }
        catch (Exception ex) when (ex is InvalidOperationException or NotSupportedException or System.ComponentModel.Win32Exception)
        {
            // Not readable here: time from the first use instead (the log says "after the process started" all the same).
            return DateTime.UtcNow;
        }
    }
}
