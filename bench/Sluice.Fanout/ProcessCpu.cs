using System.Globalization;

namespace Sluice.Fanout;

/// <summary>
/// CPU seconds (user + system) a process has used so far, from /proc/PID/stat (fields 14 and 15, in clock ticks).
/// Dividing work by the service's CPU seconds gives a per-core figure a busy machine distorts less (Nexmark's
/// Throughput/Cores does the same); every Sluice.Load command reads it from here.
/// </summary>
public static class ProcessCpu
{
    // USER_HZ is 100 on every mainstream Linux distribution.
    private const double TicksPerSecond = 100.0;

    public static double? SecondsOf(int? pid)
    {
        if (pid is null || !File.Exists($"/proc/{pid}/stat"))
        {
            return null;
        }
        var stat = File.ReadAllText($"/proc/{pid}/stat");
        // The fields after the command name, which is in parentheses and may contain spaces.
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        return (long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture)) / TicksPerSecond;
    }

    public static double OwnSeconds() => Environment.CpuUsage.TotalTime.TotalSeconds;
}
