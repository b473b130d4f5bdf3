using System.Diagnostics;
using System.Globalization;
using System.Text;
using Npgsql;

namespace Sluice.Benchmarks.Postgres;

/// <summary>
/// What one committed 1,000-event batch costs per <see cref="AppendVariant"/>: wall time, and the CPU
/// of this client process and of the PostgreSQL backend that ran it (read from /proc). CPU is the
/// figure to compare on a shared machine, where wall time mostly measures the neighbours.
///   SLUICE_BENCH_POSTGRES="$(scripts/postgres.sh start)" dotnet run -c Release --project bench/Sluice.Benchmarks -- postgres-append [batches-per-round] [rounds] [variant-filter] [events-per-batch]
/// Variants run interleaved, round by round, so background load spreads evenly over them. A filter (say "copy-raw")
/// keeps the variants whose name contains it. Events per batch (default 1,000) is the rows of one statement, as a group
/// of several requests makes one COPY; the CPU columns are per 1,000 events whatever the batch.
/// </summary>
internal static class PostgresAppendCost
{
    public static async Task<int> RunAsync(string[] args)
    {
        var perRound = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 50;
        var rounds = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 4;
        var connectionString = Environment.GetEnvironmentVariable("SLUICE_BENCH_POSTGRES")
            ?? throw new InvalidOperationException("Set SLUICE_BENCH_POSTGRES, e.g. SLUICE_BENCH_POSTGRES=\"$(scripts/postgres.sh start)\".");
        // One pooled connection, so every batch of a variant runs on the same backend whose CPU we read.
        await using var dataSource = NpgsqlDataSource.Create(new NpgsqlConnectionStringBuilder(connectionString) { MaxPoolSize = 1, WriteBufferSize = 256 * 1024 }.ConnectionString);
        var events = Events(args.Length > 3 ? int.Parse(args[3], CultureInfo.InvariantCulture) : 1000);
        var thousands = events.Length / 1000.0;
        var variants = args.Length > 2 ? AppendVariant.All.Where(v => v.Name.Contains(args[2], StringComparison.Ordinal)).ToList() : AppendVariant.All;
        var results = variants.ToDictionary(v => v, _ => new Measurement());
        var offsets = variants.ToDictionary(v => v, _ => 0L);

        await ExecuteAsync(dataSource, "CREATE SCHEMA IF NOT EXISTS bench;" + string.Concat(variants.Select(v => v.CreateSql())));
        var backend = await ScalarAsync<int>(dataSource, "SELECT pg_backend_pid()");
        Console.WriteLine($"{variants.Count} variants, {rounds} rounds of {perRound} batches of {events.Length} events; backend pid {backend}");
        var self = Process.GetCurrentProcess();
        for (var round = 0; round <= rounds; round++)
        {
            foreach (var variant in variants)
            {
                var measured = round > 0; // round 0 warms up (JIT, caches, table files)
                var clientBefore = self.TotalProcessorTime;
                var serverBefore = ProcessCpu(backend);
                for (var b = 0; b < perRound; b++)
                {
                    var started = Stopwatch.GetTimestamp();
                    await variant.AppendAsync(dataSource, offsets[variant], events);
                    offsets[variant] += events.Length;
                    if (measured)
                    {
                        results[variant].WallMilliseconds.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
                    }
                }
                self.Refresh();
                if (measured)
                {
                    results[variant].ClientCpu += self.TotalProcessorTime - clientBefore;
                    results[variant].ServerCpu += ProcessCpu(backend) - serverBefore;
                }
            }
        }
        await ExecuteAsync(dataSource, string.Concat(variants.Select(v => v.DropSql())));

        Console.WriteLine();
        Console.WriteLine("| variant (method payload layout) | wall p50 ms | wall p90 ms | client CPU ms/1,000 events | server CPU ms/1,000 events |");
        Console.WriteLine("|---|---:|---:|---:|---:|");
        foreach (var variant in variants)
        {
            var m = results[variant];
            var batches = m.WallMilliseconds.Count;
            m.WallMilliseconds.Sort();
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"| {variant.Name} | {m.WallMilliseconds[batches / 2]:F2} | {m.WallMilliseconds[batches * 9 / 10]:F2} | {m.ClientCpu.TotalMilliseconds / batches / thousands:F2} | {m.ServerCpu.TotalMilliseconds / batches / thousands:F2} |"));
        }
        return 0;
    }

    private sealed class Measurement
    {
        public List<double> WallMilliseconds { get; } = [];

        public TimeSpan ClientCpu { get; set; }

        public TimeSpan ServerCpu { get; set; }
    }

    /// <summary>utime + stime of a process, from /proc/PID/stat (clock ticks of 10 ms).</summary>
    private static TimeSpan ProcessCpu(int pid)
    {
        var stat = File.ReadAllText($"/proc/{pid}/stat");
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        var ticks = long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture);
        return TimeSpan.FromMilliseconds(ticks * 10);
    }

    /// <summary>Bid-shaped events of ~150 bytes, as the ingest parser hands them over: UTF-8 JSON objects.</summary>
    private static byte[][] Events(int count) =>
        Enumerable.Range(0, count).Select(i => Encoding.UTF8.GetBytes(string.Create(CultureInfo.InvariantCulture,
            $$"""{"auction":{{1000 + i % 997}},"bidder":{{2000 + i % 9973}},"price":{{100 + i % 5000}},"channel":"web","url":"https://x.io/{{i % 100}}","date_time":"2026-11-25T12:00:00.000Z","extra":""}""")))
        .ToArray();

    private static async Task ExecuteAsync(NpgsqlDataSource dataSource, string sql)
    {
        await using var command = dataSource.CreateCommand(sql);
        await command.ExecuteNonQueryAsync();
    }

    private static async Task<T> ScalarAsync<T>(NpgsqlDataSource dataSource, string sql)
    {
        await using var command = dataSource.CreateCommand(sql);
        return (T)(await command.ExecuteScalarAsync())!;
    }
}
