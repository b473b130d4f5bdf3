namespace Sluice.Data.Streams;

/// <summary>The immutable definition of a stream, as created through the API and kept in the catalog.</summary>
/// <param name="Name">Matches <see cref="StreamNames.Pattern"/>.</param>
/// <param name="Storage">Which engine holds the events.</param>
/// <param name="TimestampField">Payload field carrying event time; null means ingest time.</param>
/// <param name="WatermarkDelay">How far behind the largest event time the watermark trails.</param>
/// <param name="Capacity">Events kept by a memory stream; null for postgres streams.</param>
/// <param name="Schema">Field types; null means fields are read from the payload as they come.</param>
/// <param name="CreatedAt">When the stream was created.</param>
/// <param name="OutputOf">The query whose output this stream is; only that query writes it (appends over HTTP get 409).</param>
public sealed record StreamDefinition(
    string Name,
    StorageKind Storage,
    string? TimestampField,
    TimeSpan WatermarkDelay,
    int? Capacity,
    IReadOnlyDictionary<string, FieldType>? Schema,
    DateTimeOffset CreatedAt,
    string? OutputOf = null)
{
    public const int DefaultCapacity = 100_000;
}
