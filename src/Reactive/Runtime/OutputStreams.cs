using Sluice.Data.Streams;
using Sluice.Reactive.Rows;

namespace Sluice.Reactive.Runtime;

/// <summary>The stream a query writes to, named after the query: postgres for a durable query (docs/durability.md), memory otherwise.</summary>
public static class OutputStreams
{
    /// <summary>
    /// A memory stream of default capacity whose events carry the rows' event time. It gets a schema
    /// when every output column has a concrete type (plus <c>op</c> text for an updating query), so a
    /// query reading it sees typed columns. When some column is untyped (<c>any</c>, from a schemaless
    /// input) it gets no schema at all: a schema exposes only the fields it declares, and a partial one
    /// would hide the untyped columns from queries that read this output.
    /// </summary>
    public static StreamDefinition Define(string name, CompiledQuery compiled, DateTimeOffset now) => Define(name, compiled, now, StorageKind.Memory);

    /// <summary>As <see cref="Define(string, CompiledQuery, DateTimeOffset)"/> in <paramref name="storage"/> (a postgres stream has no capacity).</summary>
    public static StreamDefinition Define(string name, CompiledQuery compiled, DateTimeOffset now, StorageKind storage) =>
        new(name, storage, TimestampField: null, WatermarkDelay: TimeSpan.Zero,
            Capacity: storage == StorageKind.Memory ? StreamDefinition.DefaultCapacity : null, Schema: SchemaOf(compiled), CreatedAt: now, OutputOf: name);

    /// <summary>The data of the event that marks where a replaced query's output starts over, as the API shows it: <c>{"op":"reset"}</c>.</summary>
    public static ReadOnlyMemory<byte> ResetData { get; } = "{\"op\":\"reset\"}"u8.ToArray();

    /// <summary>The <c>reset</c> event a replace appends: empty data with <see cref="EventOp.Reset"/> beside it (shown as <see cref="ResetData"/>).</summary>
    public static NewEvent ResetEvent(DateTimeOffset now) => new(now, "{}"u8.ToArray()) { Op = EventOp.Reset };

    /// <summary>Whether an event's data is the <c>reset</c> of a replace as the API shows it (exactly <see cref="ResetData"/>).</summary>
    public static bool IsReset(ReadOnlySpan<byte> data) => data.SequenceEqual(ResetData.Span);

    /// <summary>
    /// Whether an event of a query's output stream is the <c>reset</c> of a replace: its op beside the data, or its data
    /// exactly <see cref="ResetData"/> (read back from PostgreSQL, or appended so by a cluster node or a test).
    /// </summary>
    public static bool IsReset(StoredEvent stored)
    {
        ArgumentNullException.ThrowIfNull(stored);
        return stored.Op == EventOp.Reset || (stored.Op == EventOp.None && IsReset(stored.Data.Span));
    }

    /// <summary>
    /// <paramref name="entries"/> of a query's output stream without its <c>reset</c> events: a query reading that output
    /// takes a reset as a marker, not as a row (it would read as a row of NULLs, docs/durability.md). The same list when none is one.
    /// </summary>
    public static IReadOnlyList<TailEntry> WithoutResets(IReadOnlyList<TailEntry> entries)
    {
        ArgumentNullException.ThrowIfNull(entries);
        List<TailEntry>? kept = null;
        for (var i = 0; i < entries.Count; i++)
        {
            if (IsReset(entries[i].Event))
            {
                kept ??= [.. entries.Take(i)];
            }
            else
            {
                kept?.Add(entries[i]);
            }
        }
        return kept ?? entries;
    }

    /// <summary>
    /// Where a query reading <paramref name="input"/> from its earliest retained event starts: for the output of a
    /// replaced query, at that query's current definition (after its last <c>reset</c>, <paramref name="outputStartOf"/>),
    /// so the reader's result is that of the query as it is now, as a view over a replaced view is in Materialize or RisingWave.
    /// </summary>
    public static long EarliestOf(StreamLog input, Func<string, long?> outputStartOf)
    {
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(outputStartOf);
        var first = input.Position.FirstRetainedOffset;
        return input.Definition.OutputOf is { } writer && outputStartOf(writer) is { } start ? Math.Max(first, Math.Min(start, input.Position.HeadOffset)) : first;
    }

    /// <summary>
    /// Starts <paramref name="output"/> over for <paramref name="compiled"/> (a replace): gives the stream the new query's
    /// schema, then appends the <c>reset</c> event. Returns the offset after it, where the new query's rows begin.
    /// </summary>
    public static async Task<long> ResetAsync(StreamStore store, StreamLog output, CompiledQuery compiled, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(output);
        // Schema first: a reader that sees the reset event already finds the new shape when it looks the stream up.
        await store.RedefineAsync(output.Definition.Name, SchemaOf(compiled), CancellationToken.None);
        var appended = await output.AppendAsync([ResetEvent(now)], CancellationToken.None);
        return appended.LastOffset + 1;
    }

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
