namespace Sluice.Data.Streams;

/// <summary>How two definitions of a stream read from different places (this node's log, the shared catalog) compare.</summary>
internal static class StreamDefinitions
{
    // The catalog keeps CreatedAt at PostgreSQL's microsecond precision; the node that created the stream holds it in ticks.
    private static readonly TimeSpan CreatedAtPrecision = TimeSpan.FromMicroseconds(1);

    /// <summary>False when <paramref name="catalog"/> is another stream of the same name: the first was deleted and this one created since.</summary>
    public static bool SameStream(StreamDefinition local, StreamDefinition catalog) =>
        local.Storage == catalog.Storage && (local.CreatedAt - catalog.CreatedAt).Duration() <= CreatedAtPrecision;

    public static bool SameSchema(IReadOnlyDictionary<string, FieldType>? a, IReadOnlyDictionary<string, FieldType>? b) =>
        a is null || b is null
            ? a is null && b is null
            : a.Count == b.Count && a.All(field => b.TryGetValue(field.Key, out var type) && type == field.Value);
}
