using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;
using Sluice.Nexmark;

namespace Sluice.Benchmarks;

/// <summary>
/// Per-core throughput of each Nexmark query in-process: the pipeline from <c>CompiledQuery.Build</c> over
/// pre-generated, pre-decoded rows, pinned to one core. "Op" is one input event, so the reported mean is
/// time per event and 1 s / mean is events per second. Run:
/// <c>dotnet run -c Release --project bench/Sluice.Benchmarks -- --filter '*NexmarkBenchmarks*'</c>
/// (docs/benchmarks.md, "Reproduce", for the whole suite in ≈ 10 min).
/// </summary>
[Config(typeof(PerCoreConfig))]
[MemoryDiagnoser]
public class NexmarkBenchmarks
{
    /// <summary>Events pushed per invocation.</summary>
    public const int Events = 500_000;

    private NexmarkWorkload workload = null!;

    /// <summary>
    /// The queries to run: <c>NEXMARK_QUERIES=q0,q16</c> picks some (read in the host process, which passes each value
    /// on to the benchmark processes); the whole suite but q12 (processing time) otherwise.
    /// </summary>
    public static IEnumerable<string> Queries =>
        Environment.GetEnvironmentVariable("NEXMARK_QUERIES")?.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
        ?? ["q0", "q1", "q2", "q3", "q4", "q5", "q7", "q8", "q9", "q11", "q14", "q15", "q16", "q17", "q18", "q19", "q20", "q21", "q22"];

    [ParamsSource(nameof(Queries))]
    public string Query { get; set; } = "q0";

    [GlobalSetup]
    public void Setup() => workload = NexmarkWorkload.Create(NexmarkQueries.All[Query], Events);

    [Benchmark(OperationsPerInvoke = Events)]
    public long Pipeline() => workload.Run();

    private sealed class PerCoreConfig : ManualConfig
    {
        public PerCoreConfig()
        {
            // Affinity 1 = the first core only: the figures are per core. Each invocation is long (0.1–2 s),
            // so one invocation per iteration, five warm-up runs, and the median over three processes.
            // A process pinned to one core counts as a single-processor machine, where the runtime waits ten
            // times longer before moving hot methods to optimized code: q5 and q7 then ran at a quarter of their
            // speed for the first ~4 s. The service runs on several cores, so the benchmark restores the
            // multi-core delay (docs/benchmarks-nexmark.md, "Warm-up").
            // NEXMARK_LAUNCHES=1 makes the whole suite a ≈ 10 min run (medians of seven runs in one process per query);
            // NEXMARK_AFFINITY is the core mask (2 = the second core, when the first is busy).
            var launches = int.TryParse(Environment.GetEnvironmentVariable("NEXMARK_LAUNCHES"), out var n) && n > 0 ? n : 3;
            var affinity = int.TryParse(Environment.GetEnvironmentVariable("NEXMARK_AFFINITY"), out var mask) && mask > 0 ? mask : 1;
            AddJob(Job.Default
                .WithAffinity(affinity)
                .WithEnvironmentVariables(new EnvironmentVariable("DOTNET_TC_DelaySingleProcMultiplier", "1"))
                .WithLaunchCount(launches)
                .WithWarmupCount(5)
                .WithIterationCount(7)
                .WithInvocationCount(1)
                .WithUnrollFactor(1));
            AddColumn(StatisticColumn.Median, new EventsPerSecondColumn());
        }
    }
}
