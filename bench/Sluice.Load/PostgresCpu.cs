using System.Globalization;

namespace Sluice.Load;

/// <summary>
/// CPU time used by a PostgreSQL server between two snapshots: the postmaster and its children (backends, WAL writer,
/// checkpointer), from /proc on Linux. A child that exits between the snapshots loses its share; the service's pooled
/// backends live through a run, so that share is small.
/// </summary>
internal sealed class PostgresCpu
{
    private readonly int? postmaster;
    private readonly Dictionary<int, double> start;

    private PostgresCpu(int? postmaster)
    {
        this.postmaster = postmaster;
        start = Snapshot(postmaster);
    }

    /// <summary>Starts counting; <paramref name="postmaster"/> null (not given) counts nothing.</summary>
    public static PostgresCpu Start(int? postmaster) => new(postmaster);

    /// <summary>CPU seconds since <see cref="Start"/>, or null when no postmaster was given.</summary>
    public double? SecondsSinceStart()
    {
        if (postmaster is null)
        {
            return null;
        }
        return Snapshot(postmaster).Sum(p => p.Value - start.GetValueOrDefault(p.Key));
    }

    private static Dictionary<int, double> Snapshot(int? postmaster)
    {
        var seconds = new Dictionary<int, double>();
        if (postmaster is null)
        {
            return seconds;
        }
        foreach (var directory in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(directory), NumberStyles.None, CultureInfo.InvariantCulture, out var pid))
            {
                continue;
            }
            try
            {
                var stat = File.ReadAllText(Path.Combine(directory, "stat"));
                // Fields after the command name, which is in parentheses and may contain spaces: state, ppid, ...
                var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
                var parent = int.Parse(fields[1], CultureInfo.InvariantCulture);
                if (pid == postmaster || parent == postmaster)
                {
                    seconds[pid] = Sluice.Fanout.ProcessCpu.SecondsOf(pid) ?? 0;
                }
            }
            catch (IOException)
            {
                // The process ended while we looked.
            }
        }
        return seconds;
    }
}
