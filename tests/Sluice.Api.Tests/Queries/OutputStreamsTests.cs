using Sluice.Api.Queries;
using Sluice.Reactive.Runtime;
using Sluice.Data.Streams;
using Sluice.Reactive;

namespace Sluice.Api.Tests.Queries;

public sealed class OutputStreamsTests
{
    private static CompiledQuery Query(bool updating, params ColumnInfo[] columns) =>
        new("sql", [], columns, updating, "plan", (_, _) => System.Reactive.Linq.Observable.Empty<OutputRow>());

    [Fact]
    public void Concrete_output_columns_become_the_output_streams_schema()
    {
        var schema = OutputStreams.SchemaOf(Query(false, new("n", ColumnType.Bigint), new("at", ColumnType.Timestamp), new("p", ColumnType.Json)));

        Assert.Equal(
            [new("n", FieldType.Bigint), new("at", FieldType.Timestamp), new KeyValuePair<string, FieldType>("p", FieldType.Json)],
            schema!.OrderBy(f => f.Key == "n" ? 0 : f.Key == "at" ? 1 : 2));
    }

    [Fact]
    public void An_updating_query_adds_the_op_column()
    {
        var schema = OutputStreams.SchemaOf(Query(true, new ColumnInfo("k", ColumnType.Text)));

        Assert.Equal(FieldType.Text, schema!["op"]);
    }

    [Fact]
    public void An_untyped_output_column_leaves_the_output_stream_schemaless()
    {
        Assert.Null(OutputStreams.SchemaOf(Query(false, new("n", ColumnType.Bigint), new("x", ColumnType.Any))));
    }

    [Fact]
    public void The_output_stream_is_a_default_capacity_memory_stream_without_a_timestamp_field()
    {
        var definition = OutputStreams.Define("out", Query(false, new ColumnInfo("n", ColumnType.Bigint)), DateTimeOffset.UnixEpoch);

        Assert.Equal(StorageKind.Memory, definition.Storage);
        Assert.Equal(StreamDefinition.DefaultCapacity, definition.Capacity);
        Assert.Null(definition.TimestampField);
    }

    [Fact]
    public void Stream_schemas_map_to_typed_columns_and_no_schema_to_null_columns()
    {
        var typed = new StreamDefinition("s", StorageKind.Memory, "at", TimeSpan.FromSeconds(2), 10,
            new Dictionary<string, FieldType> { ["id"] = FieldType.Bigint, ["at"] = FieldType.Timestamp, ["price"] = FieldType.Decimal }, DateTimeOffset.UnixEpoch);
        var schemaless = typed with { Schema = null };

        var shape = StoreStreamShapes.ToShape(typed);

        Assert.Equal([new("id", ColumnType.Bigint), new("at", ColumnType.Timestamp), new ColumnInfo("price", ColumnType.Decimal)], shape.Columns);
        Assert.Equal("at", shape.TimestampField);
        Assert.Equal(TimeSpan.FromSeconds(2), shape.WatermarkDelay);
        Assert.Null(StoreStreamShapes.ToShape(schemaless).Columns);
    }
}
