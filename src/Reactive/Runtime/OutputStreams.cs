using Sluice.Data.Streams;
using Sluice.Reactive.Rows;

namespace Sluice.Reactive.Runtime;

/// <summary>The stream a query writes to: a memory stream named after the query.</summary>
public static class OutputStreams
{
    /// <summary>
    /// A memory stream of default capacity whose events carry the rows' event time. It gets a schema
    /// when every output column has a concrete type (plus <c>op</c> text for an updating query), so a
    /// query reading it sees typed columns. When some column is untyped (<c>any</c>, from a schemaless
    /// input) it gets no schema at all: a schema exposes only the fields it declares, and a partial one
    /// would hide the untyped columns from queries that read this output.
    /// </summary>
    public static StreamDefinition Define(string name, CompiledQuery compiled, DateTimeOffset now) =>
        new(name, StorageKind.Memory, TimestampField: null, WatermarkDelay: TimeSpan.Zero,
            Capacity: StreamDefinition.DefaultCapacity, Schema: SchemaOf(compiled), CreatedAt: now, OutputOf: name);

    public static IReadOnlyDictionary<string, FieldType>? SchemaOf(CompiledQuery compiled)
    {
        var schema = new Dictionary<string, FieldType>(StringComparer.Ordinal);
        foreach (var column in compiled.OutputColumns)
        {
            if (StoreStreamShapes.ToFieldType(column.Type) is not { } type)
            {
                return null;
            }
            schema.TryAdd(column.Name, type);
        }
        if (compiled.IsUpdating)
        {
            schema.TryAdd(RowEncoder.OpColumn, FieldType.Text);
        }
        return schema;
    }
}
