using System.Globalization;
using System.Text;
using Npgsql;

namespace Sluice.Benchmarks.Postgres;

/// <summary>What the PostgreSQL benchmarks share: the server (scripts/postgres.sh) and ~100-byte bid-shaped events.</summary>
internal static class BenchPostgres
{
    public const int BatchSize = 1000;

    public static NpgsqlDataSource Connect() =>
        NpgsqlDataSource.Create(Environment.GetEnvironmentVariable("SLUICE_BENCH_POSTGRES")
            ?? throw new InvalidOperationException("Set SLUICE_BENCH_POSTGRES to a connection string, e.g. SLUICE_BENCH_POSTGRES=\"$(scripts/postgres.sh start)\"."));

    public static async Task ExecuteAsync(NpgsqlDataSource dataSource, string sql)
    {
        await using var command = dataSource.CreateCommand(sql);
        await command.ExecuteNonQueryAsync();
    }

    /// <summary>1,000 events as the ingest parser hands them over: UTF-8 JSON objects.</summary>
    public static byte[][] Events() =>
        Enumerable.Range(0, BatchSize).Select(i => Encoding.UTF8.GetBytes(string.Create(CultureInfo.InvariantCulture,
            $$"""{"auction":{{1000 + i % 997}},"bidder":{{2000 + i % 9973}},"price":{{100 + i % 5000}},"channel":"web","url":"https://x.io/{{i % 100}}","date_time":"2026-11-25T12:00:00.000Z","extra":""}""")))
        .ToArray();
}
