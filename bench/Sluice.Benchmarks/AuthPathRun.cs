using System.Diagnostics;
using System.Globalization;

namespace Sluice.Benchmarks;

/// <summary>
/// <see cref="AuthPathBenchmarks"/> measured in CPU time instead of wall time: on a shared machine a benchmark thread
/// gets a fraction of a core, so BenchmarkDotNet's wall-clock figures there are several times the work done, while the
/// process's CPU time per request is not. Each credential: a warm-up round, then seven rounds; medians (min, max).
/// Run: <c>Sluice.Benchmarks.dll auth-path [requests per round, default 200000]</c>.
/// </summary>
internal static class AuthPathRun
{
    public static int Run(string[] args)
    {
        var requests = args.Select(a => int.TryParse(a, CultureInfo.InvariantCulture, out var n) ? n : 0).FirstOrDefault(n => n > 0, 200_000);
        double? none = null;
        foreach (var caller in Enum.GetValues<AuthPathBenchmarks.Caller>())
        {
            var benchmark = new AuthPathBenchmarks { Credential = caller };
            benchmark.Setup();
            // A token's first request costs a signature check and the handler's objects: fewer of them make a round.
            var count = caller == AuthPathBenchmarks.Caller.JwtFirstSeen ? Math.Max(requests / 50, 1) : requests;
            var rounds = new List<(double Ns, double Bytes)>();
            for (var round = 0; round < 8; round++)
            {
                var bytes = GC.GetAllocatedBytesForCurrentThread();
                var cpu = Process.GetCurrentProcess().TotalProcessorTime;
                for (var i = 0; i < count; i++)
                {
                    benchmark.AuthenticateAndAuthorize().GetAwaiter().GetResult();
                }
                var used = Process.GetCurrentProcess().TotalProcessorTime - cpu;
                if (round > 0)
                {
                    rounds.Add((used.TotalNanoseconds / count, (GC.GetAllocatedBytesForCurrentThread() - bytes) / (double)count));
                }
            }
            benchmark.Cleanup();
            var ns = rounds.Select(r => r.Ns).Order().ToList();
            var median = ns[ns.Count / 2];
            none ??= median;
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{caller,-13} {median,9:F0} ns CPU per request (min {ns[0]:F0}, max {ns[^1]:F0}), {median - none.Value,+8:F0} ns beside None; {rounds.Select(r => r.Bytes).Order().ElementAt(rounds.Count / 2),7:F0} B allocated per request"));
        }
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"({requests:N0} requests per round, 1/50 of them for JwtFirstSeen; medians of 7 rounds after a warm-up round)"));
        return 0;
    }
}
