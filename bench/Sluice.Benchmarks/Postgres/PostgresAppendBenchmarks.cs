using System.Text;
using BenchmarkDotNet.Attributes;
using Npgsql;
using NpgsqlTypes;
using Sluice.Data.Postgres;

namespace Sluice.Benchmarks.Postgres;

/// <summary>
/// One 1,000-event batch into one stream's table, committed (synchronous_commit on), per operation:
/// binary COPY (through NpgsqlBinaryImporter, or the rows encoded by BinaryCopyEncoder and sent raw as the
/// engine does) vs a multi-row INSERT (unnest of arrays, or VALUES lists), for each payload column type.
/// Needs a running server: SLUICE_BENCH_POSTGRES="$(scripts/postgres.sh start)"
///   dotnet run -c Release --project bench/Sluice.Benchmarks -- --filter '*PostgresAppend*'
/// </summary>
[MemoryDiagnoser]
[SimpleJob(warmupCount: 3, iterationCount: 10)]
public class PostgresAppendBenchmarks
{
    private NpgsqlDataSource dataSource = null!;
    private byte[][] events = null!;
    private byte[][] rawPayloads = null!;
    private string[] texts = null!;
    private string valuesSql = "";
    private long offset;

    [Params("copy-raw", "copy", "insert-unnest", "insert-values")]
    public string Method { get; set; } = "copy";

    [Params("jsonb", "json", "bytea")]
    public string Payload { get; set; } = "jsonb";

    private string Table => $"bench.append_{Payload}_{Method.Replace('-', '_')}";

    [GlobalSetup]
    public async Task SetupAsync()
    {
        dataSource = BenchPostgres.Connect();
        events = BenchPostgres.Events();
        texts = events.Select(e => Encoding.UTF8.GetString(e)).ToArray();
        // On the wire, jsonb is a version byte (1) and the text; json and bytea are the bytes themselves.
        rawPayloads = Payload == "jsonb" ? events.Select(e => (byte[])[1, .. e]).ToArray() : events;
        await BenchPostgres.ExecuteAsync(dataSource, $"""
            CREATE SCHEMA IF NOT EXISTS bench;
            DROP TABLE IF EXISTS {Table};
            CREATE TABLE {Table} ("offset" bigint PRIMARY KEY, event_time timestamptz NOT NULL, ingested_at timestamptz NOT NULL, data {Payload} NOT NULL);
            """);
        var rows = Enumerable.Range(0, BenchPostgres.BatchSize).Select(i => $"(${i * 4 + 1}, ${i * 4 + 2}, ${i * 4 + 3}, ${i * 4 + 4})");
        valuesSql = $"INSERT INTO {Table} (\"offset\", event_time, ingested_at, data) VALUES {string.Join(',', rows)}";
        offset = 0;
    }

    [GlobalCleanup]
    public async Task CleanupAsync()
    {
        await BenchPostgres.ExecuteAsync(dataSource, $"DROP TABLE IF EXISTS {Table}");
        await dataSource.DisposeAsync();
    }

    [Benchmark]
    public Task AppendBatch() => Method switch
    {
        "copy-raw" => CopyRawAsync(),
        "copy" => CopyAsync(),
        "insert-unnest" => InsertUnnestAsync(),
        _ => InsertValuesAsync(),
    };

    private NpgsqlDbType PayloadType => Payload switch { "jsonb" => NpgsqlDbType.Jsonb, "json" => NpgsqlDbType.Json, _ => NpgsqlDbType.Bytea };

    private async Task CopyAsync()
    {
        var now = DateTimeOffset.UtcNow;
        await using var connection = await dataSource.OpenConnectionAsync();
        await using var importer = await connection.BeginBinaryImportAsync($"COPY {Table} (\"offset\", event_time, ingested_at, data) FROM STDIN (FORMAT BINARY)");
        foreach (var e in events)
        {
            await importer.StartRowAsync();
            await importer.WriteAsync(offset++, NpgsqlDbType.Bigint);
            await importer.WriteAsync(now, NpgsqlDbType.TimestampTz);
            await importer.WriteAsync(now, NpgsqlDbType.TimestampTz);
            await importer.WriteAsync((ReadOnlyMemory<byte>)e, PayloadType);
        }
        await importer.CompleteAsync();
    }

    private async Task CopyRawAsync()
    {
        var now = DateTimeOffset.UtcNow;
        var buffer = new byte[BinaryCopyEncoder.SizeOf(rawPayloads.Length, rawPayloads.Sum(p => (long)p.Length))];
        var at = BinaryCopyEncoder.WriteHeader(buffer);
        foreach (var payload in rawPayloads)
        {
            at += BinaryCopyEncoder.WriteRow(buffer.AsSpan(at), offset++, now, now, payload);
        }
        at += BinaryCopyEncoder.WriteTrailer(buffer.AsSpan(at));
        await using var connection = await dataSource.OpenConnectionAsync();
        await using var copy = await connection.BeginRawBinaryCopyAsync($"COPY {Table} (\"offset\", event_time, ingested_at, data) FROM STDIN (FORMAT BINARY)");
        await copy.WriteAsync(buffer.AsMemory(0, at));
    }

    private async Task InsertUnnestAsync()
    {
        var now = DateTimeOffset.UtcNow;
        var offsets = new long[events.Length];
        var times = new DateTimeOffset[events.Length];
        for (var i = 0; i < events.Length; i++)
        {
            offsets[i] = offset++;
            times[i] = now;
        }
        await using var command = dataSource.CreateCommand(
            $"INSERT INTO {Table} (\"offset\", event_time, ingested_at, data) SELECT * FROM unnest($1, $2, $3, $4)");
        command.Parameters.Add(new NpgsqlParameter<long[]> { TypedValue = offsets });
        command.Parameters.Add(new NpgsqlParameter<DateTimeOffset[]> { TypedValue = times });
        command.Parameters.Add(new NpgsqlParameter<DateTimeOffset[]> { TypedValue = times });
        command.Parameters.Add(Payload == "bytea"
            ? new NpgsqlParameter<byte[][]> { TypedValue = events, NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Bytea }
            : new NpgsqlParameter<string[]> { TypedValue = texts, NpgsqlDbType = NpgsqlDbType.Array | PayloadType });
        await command.ExecuteNonQueryAsync();
    }

    private async Task InsertValuesAsync()
    {
        var now = DateTimeOffset.UtcNow;
        await using var command = dataSource.CreateCommand(valuesSql);
        foreach (var e in events)
        {
            command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = offset++ });
            command.Parameters.Add(new NpgsqlParameter<DateTimeOffset> { TypedValue = now });
            command.Parameters.Add(new NpgsqlParameter<DateTimeOffset> { TypedValue = now });
            command.Parameters.Add(new NpgsqlParameter<ReadOnlyMemory<byte>> { TypedValue = e, NpgsqlDbType = PayloadType });
        }
        await command.ExecuteNonQueryAsync();
    }
}
