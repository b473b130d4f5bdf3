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
/// <c>dotnet run -c Release --project bench/Sluice.Benchmarks -- --filter '*Nexmark*'</c>
/// </summary>
[Config(typeof(PerCoreConfig))]
[MemoryDiagnoser]
public class NexmarkBenchmarks
{
    /// <summary>Events pushed per invocation.</summary>
    public const int Events = 500_000;

    private NexmarkWorkload workload = null!;

    [Params("q0", "q1", "q2", "q3", "q4", "q5", "q7", "q8", "q9", "q11", "q14", "q15", "q16", "q17", "q18", "q19", "q20", "q21", "q22")]
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
            AddJob(Job.Default
                .WithAffinity(1)
                .WithEnvironmentVariables(new EnvironmentVariable("DOTNET_TC_DelaySingleProcMultiplier", "1"))
                .WithLaunchCount(3)
                .WithWarmupCount(5)
                .WithIterationCount(7)
                .WithInvocationCount(1)
                .WithUnrollFactor(1));
            AddColumn(StatisticColumn.Median, new EventsPerSecondColumn());
        }
    }
}
