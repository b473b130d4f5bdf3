namespace Sluice.Reactive;

/// <summary>
/// The SQL types of the query language. In a row, values are boxed as: Bigint → <see cref="long"/>,
/// Double → <see cref="double"/>, Decimal → <see cref="decimal"/>, Text → <see cref="string"/>,
/// Boolean → <see cref="bool"/>, Timestamp → <see cref="DateTime"/> (UTC), Json → <see cref="System.Text.Json.JsonElement"/>;
/// NULL is <c>null</c>. <see cref="Any"/> is a column of a schemaless stream whose type is known only at run time.
/// </summary>
public enum ColumnType
{
    Bigint,
    Double,
    Decimal,
    Text,
    Boolean,
    Timestamp,
    Json,
    Any,
}

/// <summary>A named, typed column of a stream or of a query's output.</summary>
public sealed record ColumnInfo(string Name, ColumnType Type);

/// <summary>What the planner knows about an input stream.</summary>
/// <param name="Name">The stream's name.</param>
/// <param name="Columns">The declared schema, or null for a schemaless stream (columns are then typed <see cref="ColumnType.Any"/>).</param>
/// <param name="TimestampField">The payload field carrying event time, or null for ingest time.</param>
/// <param name="WatermarkDelay">The watermark trails the largest event time by this much.</param>
public sealed record StreamShape(string Name, IReadOnlyList<ColumnInfo>? Columns, string? TimestampField, TimeSpan WatermarkDelay);

/// <summary>The planner's read-only view of the streams that exist.</summary>
public interface IStreamShapes
{
    StreamShape? Find(string name);
}
