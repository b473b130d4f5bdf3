using System.Diagnostics;
using System.Globalization;
using Sluice.Nexmark;

namespace Sluice.Benchmarks;

/// <summary>
/// Stopwatch runs of the Nexmark workloads: per query, five timed runs after one warm-up, median events/s
/// and bytes allocated per event. Pin it yourself (<c>taskset -c 0</c>) for per-core figures.
/// </summary>
internal static class QuickRun
{
    public static int Run(string[] args)
    {
        var queries = args.Where(NexmarkQueries.All.ContainsKey).DefaultIfEmpty().Where(q => q is not null).Cast<string>().ToList();
        if (queries.Count == 0)
        {
            queries = [.. NexmarkQueries.All.Keys];
        }
        var events = args.Select(a => int.TryParse(a, CultureInfo.InvariantCulture, out var n) ? n : 0).FirstOrDefault(n => n > 0, NexmarkBenchmarks.Events);
        var failed = false;
        foreach (var name in queries)
        {
            NexmarkWorkload workload;
            try
            {
                workload = NexmarkWorkload.Create(NexmarkQueries.All[name], events);
            }
            catch (Exception e)
            {
                Console.WriteLine($"{name}: does not compile: {e.Message}");
                failed = true;
                continue;
            }
            try
            {
                var rows = workload.Run();
                var rates = new List<double>();
                var allocated = new List<double>();
                for (var i = 0; i < 5; i++)
                {
                    var before = GC.GetAllocatedBytesForCurrentThread();
                    var watch = Stopwatch.StartNew();
                    workload.Run();
                    watch.Stop();
                    rates.Add(workload.EventCount / watch.Elapsed.TotalSeconds);
                    allocated.Add((GC.GetAllocatedBytesForCurrentThread() - before) / (double)workload.EventCount);
                }
                rates.Sort();
                allocated.Sort();
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"{name}: {rates[2],14:N0} events/s (min {rates[0]:N0}, max {rates[4]:N0}); {allocated[2]:F0} B allocated/event; {workload.EventCount:N0} events → {rows:N0} rows"));
            }
            catch (Exception e)
            {
                Console.WriteLine($"{name}: fails at run time: {e.GetBaseException().Message}");
                failed = true;
            }
        }
        return failed ? 1 : 0;
    }
}
