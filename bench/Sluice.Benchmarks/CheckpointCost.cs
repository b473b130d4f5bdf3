using System.Diagnostics;
using System.Globalization;
using System.Reactive;
using System.Reactive.Subjects;
using Sluice.Reactive;
using Sluice.Reactive.Runtime.Checkpoints;

namespace Sluice.Benchmarks;

/// <summary>
/// "checkpoint-cost [groups…]": the CPU cost of a checkpoint of a GROUP BY holding N groups, in process (no HTTP, no
/// PostgreSQL): writing its state blob on the driver (as before format 3), capturing it copy-on-write (the driver's pause
/// since) and serializing the capture (on the checkpoint writer's thread), and reading it back into a fresh pipeline (the
/// work recovery adds to a restart).
/// Process CPU time is reported beside wall time, since on a shared machine wall time mostly measures the others.
/// </summary>
internal static class CheckpointCost
{
    private const string Sql = "SELECT k, COUNT(*) AS n, SUM(v) AS s FROM g GROUP BY k";

    public static int Run(string[] args)
    {
        var sizes = args.Select(a => int.TryParse(a, CultureInfo.InvariantCulture, out var n) ? n : 0).Where(n => n > 0).ToList();
        if (sizes.Count == 0) sizes = [100_000, 1_000_000];
        var query = QueryCompiler.Compile(Sql, new Shapes());
        foreach (var groups in sizes)
        {
            using var source = Pipeline(query, out var sourceState, out var push);
            for (var k = 0; k < groups; k++) push(new InputEvent(k, DateTime.UnixEpoch.AddTicks(k), [(long)k, 1L]));
            var writes = new List<(double Cpu, double Wall)>();
            var captures = new List<(double Cpu, double Wall)>();
            var serializes = new List<(double Cpu, double Wall)>();
            var reads = new List<(double Cpu, double Wall)>();
            var readBytes = new List<double>();
            byte[] blob = [];
            for (var round = 0; round < 3; round++)
            {
                writes.Add(Measure(() => blob = sourceState.Write()));
                PipelineSnapshot? snapshot = null;
                captures.Add(Measure(() => snapshot = sourceState.Capture()));
                serializes.Add(Measure(() => blob = snapshot!.Serialize()));
                using var fresh = Pipeline(query, out var freshState, out _);
                var allocated = GC.GetTotalAllocatedBytes(precise: true);
                reads.Add(Measure(() => freshState.Read("g", CheckpointFormat.Current, blob)));
                readBytes.Add(GC.GetTotalAllocatedBytes(precise: true) - allocated);
            }
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{groups,9:N0} groups: blob {blob.Length / 1e6:F1} MB; write on the driver {Median(writes)}; capture (driver pause) {Median(captures)}, " +
                $"then serialize off the driver {Median(serializes)}; read back {Median(reads)}, {readBytes.Order().ElementAt(1) / groups:F0} B allocated per group (median of 3)"));
        }
        return 0;
    }

    private static IDisposable Pipeline(CompiledQuery query, out PipelineCheckpoint state, out Action<InputEvent> push)
    {
        var input = new Subject<InputEvent>();
        var stats = new QueryStats();
        var subscription = query.Build([input], stats).Subscribe(Observer.Create<OutputRow>(_ => { }));
        state = PipelineCheckpoint.Of(subscription, stats)!;
        push = input.OnNext;
        return subscription;
    }

    private static (double Cpu, double Wall) Measure(Action action)
    {
        var process = Process.GetCurrentProcess();
        var cpu = process.TotalProcessorTime;
        var wall = Stopwatch.StartNew();
        action();
        process.Refresh();
        return ((process.TotalProcessorTime - cpu).TotalMilliseconds, wall.Elapsed.TotalMilliseconds);
    }

    private static string Median(List<(double Cpu, double Wall)> runs)
    {
        var cpu = runs.Select(r => r.Cpu).Order().ElementAt(runs.Count / 2);
        var wall = runs.Select(r => r.Wall).Order().ElementAt(runs.Count / 2);
        return string.Create(CultureInfo.InvariantCulture, $"{cpu:F0} ms CPU ({wall:F0} ms wall)");
    }

    private sealed class Shapes : IStreamShapes
    {
        public StreamShape? Find(string name) =>
            name == "g" ? new StreamShape("g", [new("k", ColumnType.Bigint), new("v", ColumnType.Bigint)], null, TimeSpan.Zero) : null;
    }
}
