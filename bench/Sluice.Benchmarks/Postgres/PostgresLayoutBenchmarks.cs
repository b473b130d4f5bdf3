using BenchmarkDotNet.Attributes;
using Npgsql;
using NpgsqlTypes;

namespace Sluice.Benchmarks.Postgres;

/// <summary>
/// Where a stream's events live: a table of its own, a partition of one table partitioned by stream,
/// or one shared table keyed by (stream, offset). Binary COPY of 1,000 jsonb events per operation.
///   SLUICE_BENCH_POSTGRES="$(scripts/postgres.sh start)" dotnet run -c Release --project bench/Sluice.Benchmarks -- --filter '*PostgresLayout*'
/// </summary>
[MemoryDiagnoser]
[SimpleJob(warmupCount: 3, iterationCount: 10)]
public class PostgresLayoutBenchmarks
{
    private const int StreamId = 3;
    private NpgsqlDataSource dataSource = null!;
    private byte[][] events = null!;
    private long offset;

    [Params("table-per-stream", "partitioned", "shared-table")]
    public string Layout { get; set; } = "table-per-stream";

    [GlobalSetup]
    public async Task SetupAsync()
    {
        dataSource = BenchPostgres.Connect();
        events = BenchPostgres.Events();
        offset = 0;
        const string columns = "\"offset\" bigint NOT NULL, event_time timestamptz NOT NULL, ingested_at timestamptz NOT NULL, data jsonb NOT NULL";
        await BenchPostgres.ExecuteAsync(dataSource, "CREATE SCHEMA IF NOT EXISTS bench; DROP TABLE IF EXISTS bench.layout_own, bench.layout_partitioned, bench.layout_shared;");
        await BenchPostgres.ExecuteAsync(dataSource, Layout switch
        {
            "table-per-stream" => $"CREATE TABLE bench.layout_own ({columns}, PRIMARY KEY (\"offset\"))",
            "partitioned" => $"""
                CREATE TABLE bench.layout_partitioned (stream_id int NOT NULL, {columns}, PRIMARY KEY (stream_id, "offset")) PARTITION BY LIST (stream_id);
                {string.Concat(Enumerable.Range(1, 8).Select(i => $"CREATE TABLE bench.layout_partitioned_{i} PARTITION OF bench.layout_partitioned FOR VALUES IN ({i});"))}
                """,
            _ => $"CREATE TABLE bench.layout_shared (stream_id int NOT NULL, {columns}, PRIMARY KEY (stream_id, \"offset\"))",
        });
    }

    [GlobalCleanup]
    public async Task CleanupAsync()
    {
        await BenchPostgres.ExecuteAsync(dataSource, "DROP TABLE IF EXISTS bench.layout_own, bench.layout_partitioned, bench.layout_shared");
        await dataSource.DisposeAsync();
    }

    [Benchmark]
    public async Task AppendBatch()
    {
        var now = DateTimeOffset.UtcNow;
        var own = Layout == "table-per-stream";
        var target = Layout switch
        {
            "table-per-stream" => "bench.layout_own (\"offset\", event_time, ingested_at, data)",
            "partitioned" => "bench.layout_partitioned (stream_id, \"offset\", event_time, ingested_at, data)",
            _ => "bench.layout_shared (stream_id, \"offset\", event_time, ingested_at, data)",
        };
        await using var connection = await dataSource.OpenConnectionAsync();
        await using var importer = await connection.BeginBinaryImportAsync($"COPY {target} FROM STDIN (FORMAT BINARY)");
        foreach (var e in events)
        {
            await importer.StartRowAsync();
            if (!own)
            {
                await importer.WriteAsync(StreamId, NpgsqlDbType.Integer);
            }
            await importer.WriteAsync(offset++, NpgsqlDbType.Bigint);
            await importer.WriteAsync(now, NpgsqlDbType.TimestampTz);
            await importer.WriteAsync(now, NpgsqlDbType.TimestampTz);
            await importer.WriteAsync((ReadOnlyMemory<byte>)e, NpgsqlDbType.Jsonb);
        }
        await importer.CompleteAsync();
    }
}
