namespace Sluice.Load;

/// <summary>Reads a process's peak resident memory (VmHWM) from /proc on Linux.</summary>
internal static class ServerMemory
{
    public static string PeakOf(int? pid)
    {
        if (pid is null || !File.Exists($"/proc/{pid}/status"))
        {
            return "n/a (pass --server-pid)";
        }
        var line = File.ReadLines($"/proc/{pid}/status").FirstOrDefault(l => l.StartsWith("VmHWM:", StringComparison.Ordinal));
        return line is null ? "n/a" : line["VmHWM:".Length..].Trim();
    }
}
