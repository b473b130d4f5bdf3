using System.Buffers;
using System.Text;
using Npgsql;
using NpgsqlTypes;
using Sluice.Data.Postgres;

namespace Sluice.Benchmarks.Postgres;

/// <summary>
/// One way of writing a 1,000-event batch into a stream's table: how (binary COPY through Npgsql's
/// importer or our raw encoder, or a multi-row INSERT), the payload column type, and the table layout.
/// </summary>
internal sealed record AppendVariant(string Method, string Payload, string Layout)
{
    private const int StreamId = 3;

    public static readonly IReadOnlyList<AppendVariant> All =
    [
        new("copy-raw", "json", "own"), // what the engine does
        new("copy-importer", "json", "own"),
        new("insert-unnest", "json", "own"),
        new("insert-values", "json", "own"),
        new("copy-raw", "jsonb", "own"),
        new("copy-importer", "jsonb", "own"),
        new("insert-unnest", "jsonb", "own"),
        new("copy-raw", "bytea", "own"),
        new("copy-raw", "text", "own"),
        new("copy-raw", "json", "partitioned"),
        new("copy-raw", "json", "shared"),
        new("copy-raw", "json", "own-brin"),
    ];

    public string Name => $"{Method} {Payload} {Layout}";

    private string Table => $"bench.v_{Method.Replace('-', '_')}_{Payload}_{Layout.Replace('-', '_')}";

    private bool HasStreamId => Layout is "partitioned" or "shared";

    private string Columns => HasStreamId ? "(stream_id, \"offset\", event_time, ingested_at, data)" : "(\"offset\", event_time, ingested_at, data)";

    private NpgsqlDbType PayloadType => Payload switch { "jsonb" => NpgsqlDbType.Jsonb, "json" => NpgsqlDbType.Json, "text" => NpgsqlDbType.Text, _ => NpgsqlDbType.Bytea };

    public string CreateSql()
    {
        var columns = $"\"offset\" bigint NOT NULL, event_time timestamptz NOT NULL, ingested_at timestamptz NOT NULL, data {Payload} NOT NULL";
        return $"DROP TABLE IF EXISTS {Table};\n" + Layout switch
        {
            "own" => $"CREATE TABLE {Table} ({columns}, PRIMARY KEY (\"offset\"));",
            "own-brin" => $"CREATE TABLE {Table} ({columns}); CREATE INDEX ON {Table} USING brin (\"offset\");",
            "shared" => $"CREATE TABLE {Table} (stream_id int NOT NULL, {columns}, PRIMARY KEY (stream_id, \"offset\"));",
            _ => $"CREATE TABLE {Table} (stream_id int NOT NULL, {columns}, PRIMARY KEY (stream_id, \"offset\")) PARTITION BY LIST (stream_id);"
                 + string.Concat(Enumerable.Range(1, 8).Select(i => $"CREATE TABLE {Table}_{i} PARTITION OF {Table} FOR VALUES IN ({i});")),
        };
    }

    public string DropSql() => $"DROP TABLE IF EXISTS {Table};";

    public Task AppendAsync(NpgsqlDataSource dataSource, long firstOffset, byte[][] events) => Method switch
    {
        "copy-raw" => CopyRawAsync(dataSource, firstOffset, events),
        "copy-importer" => CopyImporterAsync(dataSource, firstOffset, events),
        "insert-unnest" => InsertUnnestAsync(dataSource, firstOffset, events),
        _ => InsertValuesAsync(dataSource, firstOffset, events),
    };

    private async Task CopyRawAsync(NpgsqlDataSource dataSource, long offset, byte[][] events)
    {
        var now = DateTimeOffset.UtcNow;
        // On the wire jsonb is a version byte (1) before the text; json, text and bytea are the bytes themselves.
        var extra = (HasStreamId ? 8 : 0) + (Payload == "jsonb" ? 1 : 0);
        var buffer = ArrayPool<byte>.Shared.Rent(BinaryCopyEncoder.SizeOf(events.Length, events.Sum(e => (long)e.Length + extra)));
        try
        {
            var at = BinaryCopyEncoder.WriteHeader(buffer);
            foreach (var e in events)
            {
                at += HasStreamId || Payload == "jsonb"
                    ? WriteRowByHand(buffer.AsSpan(at), offset++, now, e)
                    : BinaryCopyEncoder.WriteRow(buffer.AsSpan(at), offset++, now, now, e);
            }
            at += BinaryCopyEncoder.WriteTrailer(buffer.AsSpan(at));
            await using var connection = await dataSource.OpenConnectionAsync();
            await using var copy = await connection.BeginRawBinaryCopyAsync($"COPY {Table} {Columns} FROM STDIN (FORMAT BINARY)");
            await copy.WriteAsync(buffer.AsMemory(0, at));
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    // The encoder writes the engine's four columns; the stream_id and jsonb variants need one more field or byte.
    private int WriteRowByHand(Span<byte> destination, long offset, DateTimeOffset now, byte[] data)
    {
        var at = 0;
        System.Buffers.Binary.BinaryPrimitives.WriteInt16BigEndian(destination, (short)(HasStreamId ? 5 : 4));
        at += 2;
        if (HasStreamId)
        {
            System.Buffers.Binary.BinaryPrimitives.WriteInt32BigEndian(destination[at..], 4);
            System.Buffers.Binary.BinaryPrimitives.WriteInt32BigEndian(destination[(at + 4)..], StreamId);
            at += 8;
        }
        foreach (var value in new[] { offset, BinaryCopyEncoder.ToPostgresMicroseconds(now), BinaryCopyEncoder.ToPostgresMicroseconds(now) })
        {
            System.Buffers.Binary.BinaryPrimitives.WriteInt32BigEndian(destination[at..], 8);
            System.Buffers.Binary.BinaryPrimitives.WriteInt64BigEndian(destination[(at + 4)..], value);
            at += 12;
        }
        var jsonb = Payload == "jsonb";
        System.Buffers.Binary.BinaryPrimitives.WriteInt32BigEndian(destination[at..], data.Length + (jsonb ? 1 : 0));
        at += 4;
        if (jsonb)
        {
            destination[at++] = 1;
        }
        data.CopyTo(destination[at..]);
        return at + data.Length;
    }

    private async Task CopyImporterAsync(NpgsqlDataSource dataSource, long offset, byte[][] events)
    {
        var now = DateTimeOffset.UtcNow;
        await using var connection = await dataSource.OpenConnectionAsync();
        await using var importer = await connection.BeginBinaryImportAsync($"COPY {Table} {Columns} FROM STDIN (FORMAT BINARY)");
        foreach (var e in events)
        {
            await importer.StartRowAsync();
            if (HasStreamId)
            {
                await importer.WriteAsync(StreamId, NpgsqlDbType.Integer);
            }
            await importer.WriteAsync(offset++, NpgsqlDbType.Bigint);
            await importer.WriteAsync(now, NpgsqlDbType.TimestampTz);
            await importer.WriteAsync(now, NpgsqlDbType.TimestampTz);
            await importer.WriteAsync((ReadOnlyMemory<byte>)e, PayloadType);
        }
        await importer.CompleteAsync();
    }

    private async Task InsertUnnestAsync(NpgsqlDataSource dataSource, long firstOffset, byte[][] events)
    {
        var now = DateTimeOffset.UtcNow;
        var offsets = new long[events.Length];
        var times = new DateTimeOffset[events.Length];
        for (var i = 0; i < events.Length; i++)
        {
            offsets[i] = firstOffset + i;
            times[i] = now;
        }
        await using var command = dataSource.CreateCommand($"INSERT INTO {Table} {Columns} SELECT * FROM unnest($1, $2, $3, $4)");
        command.Parameters.Add(new NpgsqlParameter<long[]> { TypedValue = offsets });
        command.Parameters.Add(new NpgsqlParameter<DateTimeOffset[]> { TypedValue = times });
        command.Parameters.Add(new NpgsqlParameter<DateTimeOffset[]> { TypedValue = times });
        command.Parameters.Add(Payload == "bytea"
            ? new NpgsqlParameter<byte[][]> { TypedValue = events, NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Bytea }
            : new NpgsqlParameter<string[]> { TypedValue = events.Select(e => Encoding.UTF8.GetString(e)).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | PayloadType });
        await command.ExecuteNonQueryAsync();
    }

    private async Task InsertValuesAsync(NpgsqlDataSource dataSource, long offset, byte[][] events)
    {
        var now = DateTimeOffset.UtcNow;
        var rows = Enumerable.Range(0, events.Length).Select(i => $"(${i * 4 + 1}, ${i * 4 + 2}, ${i * 4 + 3}, ${i * 4 + 4})");
        await using var command = dataSource.CreateCommand($"INSERT INTO {Table} {Columns} VALUES {string.Join(',', rows)}");
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
