using System.Diagnostics;
using System.Globalization;
using Sluice.Nexmark;

namespace Sluice.Benchmarks;

/// <summary>
/// Stopwatch runs of the Nexmark workloads: per query, five timed runs after one warm-up; medians of events
/// per wall-clock second, events per CPU-second of the whole process (GC included: the per-core figure that
/// survives a busy machine, as Nexmark's own Throughput/Cores divides by measured CPU use) and bytes
/// allocated per event. Pin it (<c>taskset -c 0</c>) so wall-clock figures are per core too, with
/// <c>DOTNET_TC_DelaySingleProcMultiplier=1</c> so the JIT does not treat the pinned process as a single-processor
/// machine (docs/benchmarks-nexmark.md, "Warm-up"). The argument <c>plan</c> prints each query's plan first.
/// </summary>
internal static class QuickRun
{
    public static int Run(string[] args)
    {
        if (Environment.ProcessorCount == 1 && Environment.GetEnvironmentVariable("DOTNET_TC_DelaySingleProcMultiplier") is null)
        {
            Console.WriteLine("note: pinned to one core without DOTNET_TC_DelaySingleProcMultiplier=1, so tiered JIT waits 10× longer; figures will be low");
        }
        var queries = args.Where(a => NexmarkQueries.All.ContainsKey(a) || a == HarnessBaseline.Name).ToList();
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
                workload = name == HarnessBaseline.Name
                    ? NexmarkWorkload.Create(HarnessBaseline.Query(), events)
                    : NexmarkWorkload.Create(NexmarkQueries.All[name], events);
            }
            catch (Exception e)
            {
                Console.WriteLine($"{name}: does not compile: {e.Message}");
                failed = true;
                continue;
            }
            if (args.Contains("plan"))
            {
                Console.WriteLine($"{name}:\n{workload.Plan}");
            }
            try
            {
                var rows = workload.Run();
                var rates = new List<double>();
                var cpuRates = new List<double>();
                var allocated = new List<double>();
                var process = Process.GetCurrentProcess();
                // Collections per run by generation: a query whose state churns (many groups, tables regrowing) pays in
                // gen1/gen2 collections, which the whole-process CPU figure counts (background GC included).
                var collectionsBefore = Enumerable.Range(0, 3).Select(GC.CollectionCount).ToArray();
                for (var i = 0; i < 5; i++)
                {
                    var before = GC.GetAllocatedBytesForCurrentThread();
                    process.Refresh();
                    var cpuBefore = process.TotalProcessorTime;
                    var watch = Stopwatch.StartNew();
                    workload.Run();
                    watch.Stop();
                    process.Refresh();
                    rates.Add(workload.EventCount / watch.Elapsed.TotalSeconds);
                    cpuRates.Add(workload.EventCount / (process.TotalProcessorTime - cpuBefore).TotalSeconds);
                    allocated.Add((GC.GetAllocatedBytesForCurrentThread() - before) / (double)workload.EventCount);
                }
                var collections = Enumerable.Range(0, 3).Select(g => (GC.CollectionCount(g) - collectionsBefore[g]) / 5.0).ToArray();
                rates.Sort();
                cpuRates.Sort();
                allocated.Sort();
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"{name,-8} {rates[2],12:N0} events/s wall (min {rates[0]:N0}, max {rates[4]:N0}); {cpuRates[2],12:N0} events per CPU-second; {allocated[2]:F0} B allocated/event; {workload.EventCount:N0} events → {rows:N0} rows; GCs per run {collections[0]:F1}/{collections[1]:F1}/{collections[2]:F1} (gen0/1/2)"));
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
