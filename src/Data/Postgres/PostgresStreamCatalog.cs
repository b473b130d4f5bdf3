using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Npgsql;
using Sluice.Data.Streams;

namespace Sluice.Data.Postgres;

/// <summary>Keeps every stream definition (memory and postgres alike) in the <c>streams</c> table, so they survive a restart.</summary>
public sealed class PostgresStreamCatalog(IDbContextFactory<SluiceDbContext> contexts, NpgsqlDataSource dataSource) : IStreamCatalog
{
    public async Task<IReadOnlyList<StreamDefinition>> LoadAsync(CancellationToken cancellationToken)
    {
        // Npgsql directly, not EF Core: this is the read of every start, and EF would first build its model and compile the
        // LINQ query, most of a second of CPU of a cold start (docs/benchmarks.md, "Recovery of 1,000,000 groups").
        await using var select = dataSource.CreateCommand(
            "SELECT name, storage, timestamp_field, watermark_delay, capacity, schema, created_at, output_of FROM streams ORDER BY created_at, name");
        await using var rows = await select.ExecuteReaderAsync(cancellationToken);
        var definitions = new List<StreamDefinition>();
        while (await rows.ReadAsync(cancellationToken))
        {
            definitions.Add(ToDefinition(new StreamRecord
            {
                Name = rows.GetString(0),
                Storage = rows.GetString(1),
                TimestampField = rows.IsDBNull(2) ? null : rows.GetString(2),
                WatermarkDelay = rows.GetFieldValue<TimeSpan>(3),
                Capacity = rows.IsDBNull(4) ? null : rows.GetInt32(4),
                Schema = rows.IsDBNull(5) ? null : rows.GetString(5),
                CreatedAt = rows.GetFieldValue<DateTimeOffset>(6),
                OutputOf = rows.IsDBNull(7) ? null : rows.GetString(7),
            }));
        }
        return definitions;
    }

    public async Task<bool> TryAddAsync(StreamDefinition definition, CancellationToken cancellationToken)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        db.Streams.Add(ToRecord(definition));
        try
        {
            await db.SaveChangesAsync(cancellationToken);
            return true;
        }
        catch (DbUpdateException ex) when (ex.InnerException is PostgresException { SqlState: PostgresErrorCodes.UniqueViolation })
        {
            return false;
        }
    }

    public async Task RemoveAsync(string name, CancellationToken cancellationToken)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        await db.Streams.Where(s => s.Name == name).ExecuteDeleteAsync(cancellationToken);
    }

    public async Task UpdateAsync(StreamDefinition definition, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(definition);
        var schema = ToRecord(definition).Schema;
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        // Only the schema changes today (a replaced query's output); the other fields stay as created.
        await db.Streams.Where(s => s.Name == definition.Name).ExecuteUpdateAsync(u => u.SetProperty(s => s.Schema, schema), cancellationToken);
    }

    internal static StreamRecord ToRecord(StreamDefinition definition) => new()
    {
        Name = definition.Name,
        Storage = definition.Storage == StorageKind.Postgres ? "postgres" : "memory",
        TimestampField = definition.TimestampField,
        WatermarkDelay = definition.WatermarkDelay,
        Capacity = definition.Capacity,
        Schema = definition.Schema is null
            ? null
            : JsonSerializer.Serialize(definition.Schema.Select(f => new SchemaField(f.Key, f.Value.ToName())).ToArray(), CatalogJson.Default.SchemaFieldArray),
        CreatedAt = definition.CreatedAt.ToUniversalTime(),
        OutputOf = definition.OutputOf,
    };

    internal static StreamDefinition ToDefinition(StreamRecord record) => new(
        record.Name,
        record.Storage == "postgres" ? StorageKind.Postgres : StorageKind.Memory,
        record.TimestampField,
        record.WatermarkDelay,
        record.Capacity,
        record.Schema is null ? null : ReadSchema(record.Name, record.Schema),
        record.CreatedAt,
        record.OutputOf);

    private static Dictionary<string, FieldType> ReadSchema(string stream, string json)
    {
        var fields = JsonSerializer.Deserialize(json, CatalogJson.Default.SchemaFieldArray) ?? [];
        var schema = new Dictionary<string, FieldType>(StringComparer.Ordinal);
        foreach (var field in fields)
        {
            if (!FieldTypes.TryParse(field.Type, out var type))
            {
                throw new InvalidOperationException($"The catalog holds an unknown type '{field.Type}' for field '{field.Name}' of stream '{stream}'.");
            }
            schema[field.Name] = type;
        }
        return schema;
    }
}
