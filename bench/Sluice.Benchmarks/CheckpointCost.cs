using System.Diagnostics;
using System.Globalization;
using System.Reactive;
using System.Reactive.Subjects;
using Sluice.Reactive;
using Sluice.Reactive.Runtime.Checkpoints;

namespace Sluice.Benchmarks;

/// <summary>
/// "checkpoint-cost [group|join|distinct] [sizes…]": the CPU cost of a checkpoint of a GROUP BY holding N groups (or a join
/// holding N stored rows, or a DISTINCT of N rows), in process (no HTTP, no PostgreSQL): writing its state blob on the
/// driver (as before format 3), capturing it (the driver's pause since: copy-on-write for GROUP BY, a block copy for
/// joins and DISTINCT) and serializing the capture (on the checkpoint writer's thread), and reading it back into a fresh
/// pipeline (the work recovery adds to a restart; the first read runs cold, as after a start, and is reported apart).
/// Process CPU time is reported beside wall time, since on a shared machine wall time mostly measures the others.
/// </summary>
internal static class CheckpointCost
{
    private static readonly Dictionary<string, string> Queries = new(StringComparer.Ordinal)
    {
        ["group"] = "SELECT k, COUNT(*) AS n, SUM(v) AS s FROM g GROUP BY k",
        // Every row stays in the join's state: no right row ever arrives, and nothing bounds how long a left row waits.
        ["join"] = "SELECT g.k, g.v, h.w FROM g JOIN h ON g.k = h.k",
        ["distinct"] = "SELECT DISTINCT k, v FROM g",
    };

    public static int Run(string[] args)
    {
        var kind = args.FirstOrDefault(Queries.ContainsKey) ?? "group";
        var sizes = args.Select(a => int.TryParse(a, CultureInfo.InvariantCulture, out var n) ? n : 0).Where(n => n > 0).ToList();
        if (sizes.Count == 0) sizes = [100_000, 1_000_000];
        var query = QueryCompiler.Compile(Queries[kind], new Shapes());
        var unit = kind switch { "group" => "groups", "join" => "join rows", _ => "distinct rows" };
        foreach (var groups in sizes)
        {
            using var source = Pipeline(query, out var sourceState, out var push);
            for (var k = 0; k < groups; k++) push(new InputEvent(k, DateTime.UnixEpoch.AddTicks(k), [(long)k, 1L]));
            var writes = new List<(double Cpu, double Wall)>();
            var captures = new List<(double Cpu, double Wall)>();
            var serializes = new List<(double Cpu, double Wall)>();
            var reads = new List<(double Cpu, double Wall)>();
            var readBytes = new List<double>();
            var readCollections = new List<int>();
            var touches = new List<(double Cpu, double Wall)>();
            byte[] blob = [];
            for (var round = 0; round < 3; round++)
            {
                writes.Add(Measure(() => blob = sourceState.Write()));
                PipelineSnapshot? snapshot = null;
                captures.Add(Measure(() => snapshot = sourceState.Capture()));
                serializes.Add(Measure(() => blob = snapshot!.Serialize()));
                using var fresh = Pipeline(query, out var freshState, out var freshPush);
                var allocated = GC.GetTotalAllocatedBytes(precise: true);
                var collections = GC.CollectionCount(0);
                reads.Add(Measure(() => freshState.Read("g", CheckpointFormat.Current, blob)));
                readBytes.Add(GC.GetTotalAllocatedBytes(precise: true) - allocated);
                readCollections.Add(GC.CollectionCount(0) - collections);
                if (kind == "group")
                {
                    // A GROUP BY decodes a restored group when an event first touches it: one event for every group.
                    touches.Add(Measure(() =>
                    {
                        for (var k = 0; k < groups; k++) freshPush(new InputEvent(groups + k, DateTime.UnixEpoch.AddTicks(groups + k), [(long)k, 1L]));
                    }));
                }
            }
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{groups,9:N0} {unit}: first read back (cold) {reads[0].Cpu:F0} ms CPU ({reads[0].Wall:F0} ms wall); blob {blob.Length / 1e6:F1} MB; write on the driver {Median(writes)}; capture (driver pause) {Median(captures)}, " +
                $"then serialize off the driver {Median(serializes)}; read back {Median(reads)}, {readBytes.Order().ElementAt(1) / groups:F0} B allocated per group, {readCollections.Order().ElementAt(1)} collections while reading (median of 3)") +
                (touches.Count > 0 ? string.Create(CultureInfo.InvariantCulture, $"; then one event for every group {Median(touches)} (first: {touches[0].Cpu:F0} ms CPU)") : ""));
        }
        return 0;
    }

    private static IDisposable Pipeline(CompiledQuery query, out PipelineCheckpoint state, out Action<InputEvent> push)
    {
        var inputs = query.Inputs.Select(_ => new Subject<InputEvent>()).ToArray();
        var stats = new QueryStats();
        var subscription = query.Build(inputs, stats).Subscribe(Observer.Create<OutputRow>(_ => { }));
        state = PipelineCheckpoint.Of(subscription, stats)!;
        push = inputs[0].OnNext;
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
            name switch
            {
                "g" => new StreamShape("g", [new("k", ColumnType.Bigint), new("v", ColumnType.Bigint)], null, TimeSpan.Zero),
                "h" => new StreamShape("h", [new("k", ColumnType.Bigint), new("w", ColumnType.Bigint)], null, TimeSpan.Zero),
                _ => null,
            };
    }
}
