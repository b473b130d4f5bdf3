using BenchmarkDotNet.Attributes;
using Sluice.Data.Ingest;
using Sluice.Data.Streams;
using Sluice.Nexmark;

namespace Sluice.Benchmarks;

/// <summary>
/// Ingest's parse and validation of one append: an NDJSON body of 1,000 Nexmark bids (as the load tool sends them)
/// checked against the bid schema (and into a stream without one), with pooled payloads as a memory stream's append parses them. Run:
/// <c>dotnet run -c Release --project bench/Sluice.Benchmarks -- --filter '*IngestParse*' --job short</c>
/// </summary>
[MemoryDiagnoser]
public class IngestParseBenchmarks
{
    private ReadOnlyMemory<byte> body;
    private StreamDefinition definition = null!;
    private StreamDefinition schemaless = null!;

    [GlobalSetup]
    public void Setup()
    {
        var bids = NexmarkGenerator.Generate(20_000).Where(e => e.Stream == NexmarkStreams.Bid).Take(1_000).ToList();
        body = NexmarkJson.Batches(bids, 1_000).Single().Body;
        var schema = NexmarkStreams.BidSchema.ToDictionary(f => f.Key, f => FieldTypes.TryParse(f.Value, out var type) ? type : throw new InvalidOperationException(f.Value));
        definition = new StreamDefinition(NexmarkStreams.Bid, StorageKind.Memory, NexmarkStreams.TimestampField, TimeSpan.Zero, 1_000, schema, DateTimeOffset.UtcNow);
        schemaless = definition with { Schema = null };
    }

    [Benchmark(OperationsPerInvoke = 1_000)]
    public int ParseBidBatch() => Parse(definition);

    /// <summary>The same body into a stream without a schema: kept as sent, only the event-time field read.</summary>
    [Benchmark(OperationsPerInvoke = 1_000)]
    public int ParseBidBatchWithoutSchema() => Parse(schemaless);

    private int Parse(StreamDefinition stream)
    {
        var parsed = EventBatchParser.Parse(body, BodyFormat.Ndjson, stream, DateTimeOffset.UtcNow, pooledPayloads: true);
        var count = parsed.Events.Count;
        parsed.ReturnPayloads();
        return count;
    }
}
