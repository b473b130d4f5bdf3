using Sluice.Data.Streams;

namespace Sluice.Reactive.Runtime;

/// <summary>The query compiler's view of the streams in the store: each schema as typed columns; no schema means untyped columns.</summary>
public sealed class StoreStreamShapes(StreamStore store) : IStreamShapes
{
    public StreamShape? Find(string name) => store.Find(name) is { } log ? ToShape(log.Definition) : null;

    public static StreamShape ToShape(StreamDefinition definition) => new(
        definition.Name,
        definition.Schema?.Select(f => new ColumnInfo(f.Key, ToColumnType(f.Value))).ToList(),
        definition.TimestampField,
        definition.WatermarkDelay);

    public static ColumnType ToColumnType(FieldType type) => type switch
    {
        FieldType.Bigint => ColumnType.Bigint,
        FieldType.Double => ColumnType.Double,
        FieldType.Decimal => ColumnType.Decimal,
        FieldType.Text => ColumnType.Text,
        FieldType.Boolean => ColumnType.Boolean,
        FieldType.Timestamp => ColumnType.Timestamp,
        FieldType.Json => ColumnType.Json,
        _ => throw new ArgumentOutOfRangeException(nameof(type), type, null),
    };

    /// <summary>The schema type of a column, or null for <see cref="ColumnType.Any"/>.</summary>
    public static FieldType? ToFieldType(ColumnType type) => type switch
    {
        ColumnType.Bigint => FieldType.Bigint,
        ColumnType.Double => FieldType.Double,
        ColumnType.Decimal => FieldType.Decimal,
        ColumnType.Text => FieldType.Text,
        ColumnType.Boolean => FieldType.Boolean,
        ColumnType.Timestamp => FieldType.Timestamp,
        ColumnType.Json => FieldType.Json,
        _ => null,
    };

    /// <summary>The SQL type name shown in API answers: the schema names, plus <c>any</c> for untyped columns.</summary>
    public static string TypeName(ColumnType type) => ToFieldType(type)?.ToName() ?? "any";
}
