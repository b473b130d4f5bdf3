using System.Diagnostics;
using System.Globalization;
using Sluice.Data.Ingest;
using Sluice.Data.Streams;
using Sluice.Nexmark;
using Sluice.Reactive;
using Sluice.Reactive.Rows;
using Sluice.Reactive.Runtime;

namespace Sluice.Benchmarks;

/// <summary>
/// The per-event work of the end-to-end path that is the service's own code, on one thread, without HTTP, threads or
/// waiting: Nexmark bids as NDJSON batches of 1,000 parsed and validated against the bid schema (ingest), each
/// payload decoded into the bid's columns (once per stream, as for q0 + q1 + q2), and each row encoded again (a
/// q0-shaped output). Reports CPU time and bytes allocated per event for each stage: a figure a shared machine
/// disturbs far less than end-to-end throughput. Run: <c>Sluice.Benchmarks.dll codec [events]</c>.
/// </summary>
internal static class CodecPathRun
{
    /// <summary>The queries whose bid columns the runtime decodes together (the end-to-end benchmark's).</summary>
    private static readonly string[] DecodedTogether = ["q0", "q1", "q2"];

    public static int Run(string[] args)
    {
        var count = args.Select(a => int.TryParse(a, CultureInfo.InvariantCulture, out var n) ? n : 0).FirstOrDefault(n => n > 0, 300_000);
        var bids = NexmarkGenerator.Generate(count).Where(e => e.Stream == NexmarkStreams.Bid).ToList();
        var batches = NexmarkJson.Batches(bids, 1000).Select(b => (ReadOnlyMemory<byte>)b.Body).ToArray();
        var schema = NexmarkStreams.BidSchema.ToDictionary(f => f.Key, f => FieldTypes.TryParse(f.Value, out var type) ? type : throw new InvalidOperationException(f.Value));
        var definition = new StreamDefinition(NexmarkStreams.Bid, StorageKind.Memory, NexmarkStreams.TimestampField, TimeSpan.Zero, count, schema, DateTimeOffset.UtcNow);
        var columns = StoreStreamShapes.ToShape(definition).Columns ?? throw new InvalidOperationException("The bid stream has a schema.");
        var decoder = new RowDecoder(columns);
        // What the runtime decodes for q0 + q1 + q2 together: the union of the bid columns they read (SharedDecodePlan).
        var readNames = DecodedTogether
            .Select(q => QueryCompiler.Compile(NexmarkQueries.All[q], NexmarkStreamShapes.Instance).Inputs[0])
            .SelectMany(input => input.Columns.Where((_, i) => input.Reads is null || input.Reads[i]).Select(c => c.Name))
            .ToHashSet(StringComparer.OrdinalIgnoreCase);
        var readDecoder = new RowDecoder(columns, columns.Select(c => readNames.Contains(c.Name)).ToArray());
        var encoder = new RowEncoder(columns, includeOp: false);

        var parseStats = new List<(double Ns, double Bytes)>();
        var decodeStats = new List<(double Ns, double Bytes)>();
        var encodeStats = new List<(double Ns, double Bytes)>();
        var decodeReadStats = new List<(double Ns, double Bytes)>();
        for (var round = 0; round < 6; round++)
        {
            var events = new List<NewEvent>(bids.Count);
            var parse = Measure(() =>
            {
                foreach (var batch in batches)
                {
                    events.AddRange(EventBatchParser.Parse(batch, BodyFormat.Ndjson, definition, DateTimeOffset.UtcNow).Events);
                }
            });
            var rows = new List<OutputRow>(events.Count);
            var decode = Measure(() =>
            {
                foreach (var e in events)
                {
                    rows.Add(new OutputRow(decoder.Decode(e.Data.Span), e.Timestamp.UtcDateTime, ChangeOp.Insert));
                }
            });
            var readRows = 0;
            var decodeRead = Measure(() =>
            {
                foreach (var e in events)
                {
                    readRows += readDecoder.Decode(e.Data.Span).Length;
                }
            });
            var encoded = new ReadOnlyMemory<byte>[1000];
            var encode = Measure(() =>
            {
                for (var i = 0; i < rows.Count; i += 1000)
                {
                    encoder.EncodeAll(rows.GetRange(i, Math.Min(1000, rows.Count - i)), encoded);
                }
            });
            if (round > 0)
            {
                // The first round warms the JIT up.
                parseStats.Add((parse.Ns / events.Count, parse.Bytes / (double)events.Count));
                decodeStats.Add((decode.Ns / events.Count, decode.Bytes / (double)events.Count));
                decodeReadStats.Add((decodeRead.Ns / events.Count, decodeRead.Bytes / (double)events.Count));
                encodeStats.Add((encode.Ns / events.Count, encode.Bytes / (double)events.Count));
            }
        }
        Report("ingest parse + validate", parseStats);
        Report("decode to a row", decodeStats);
        Report("decode q0-q2's 4 columns", decodeReadStats);
        Report("encode the row", encodeStats);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"({bids.Count:N0} bids, medians of 5 rounds after a warm-up round)"));
        return 0;
    }

    private static (double Ns, long Bytes) Measure(Action work)
    {
        var bytes = GC.GetAllocatedBytesForCurrentThread();
        var cpu = Process.GetCurrentProcess().TotalProcessorTime;
        work();
        var used = Process.GetCurrentProcess().TotalProcessorTime - cpu;
        return (used.TotalNanoseconds, GC.GetAllocatedBytesForCurrentThread() - bytes);
    }

    private static void Report(string stage, List<(double Ns, double Bytes)> stats)
    {
        var ns = stats.Select(s => s.Ns).Order().ToList();
        var bytes = stats.Select(s => s.Bytes).Order().ToList();
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{stage,-26} {ns[ns.Count / 2],8:F0} ns CPU per event (min {ns[0]:F0}, max {ns[^1]:F0}); {bytes[bytes.Count / 2],6:F0} B allocated per event"));
    }
}
