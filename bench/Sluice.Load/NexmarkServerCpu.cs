using System.Globalization;

namespace Sluice.Load;

/// <summary>
/// CPU time a process has used (user + system, from /proc/PID/stat on Linux). Dividing events by the
/// server's CPU seconds gives a per-core figure that a busy machine does not distort, the way Nexmark's
/// own Throughput/Cores divides by measured CPU use.
/// </summary>
internal static class NexmarkServerCpu
{
    // Linux reports utime/stime in clock ticks; USER_HZ is 100 on every mainstream distribution.
    private const double TicksPerSecond = 100.0;

    public static double? SecondsOf(int? pid)
    {
        if (pid is null || !File.Exists($"/proc/{pid}/stat"))
        {
            return null;
        }
        var stat = File.ReadAllText($"/proc/{pid}/stat");
        // Fields after the command name, which is in parentheses and may contain spaces.
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        var user = long.Parse(fields[11], CultureInfo.InvariantCulture);
        var system = long.Parse(fields[12], CultureInfo.InvariantCulture);
        return (user + system) / TicksPerSecond;
    }
}
