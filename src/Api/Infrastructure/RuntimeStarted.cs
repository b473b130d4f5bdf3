using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;
using Sluice.Reactive.Runtime;

namespace Sluice.Api.Infrastructure;

/// <summary>
/// When the runtime first ran this assembly's code, before <c>Main</c>: the start-up timeline's first mark, which tells the
/// runtime's own start (host, runtime, assembly loading) from the building of the host that follows (docs/benchmarks.md).
/// </summary>
internal static class RuntimeStarted
{
    private static DateTime at = DateTime.UtcNow;
    private static TimeSpan cpu;

    /// <summary>e.g. "61 ms (CPU 48 ms)" after the process started.</summary>
    public static string At => ProcessUptime.At(at, cpu);

    // Two cheap reads; formatting waits for the first timeline line.
    [ModuleInitializer]
    [SuppressMessage("Usage", "CA2255:The 'ModuleInitializer' attribute should not be used in libraries", Justification = "The service's own entry assembly, not a library.")]
    internal static void Mark()
    {
        at = DateTime.UtcNow;
        cpu = Environment.CpuUsage.TotalTime;
    }
}
