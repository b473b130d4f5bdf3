using System.Text;
using BenchmarkDotNet.Attributes;
using Sluice.Reactive;
using Sluice.Reactive.Rows;

namespace Sluice.Benchmarks;

/// <summary>
/// The query runtime's per-event codec cost (T_read's decode part and the output encode): one Nexmark
/// bid payload decoded into typed columns (as for a stream with a schema; all of them, and the four q0 + q1 + q2 read) and into untyped columns
/// (a schemaless stream), and one output row encoded. Run:
/// <c>dotnet run -c Release --project bench/Sluice.Benchmarks -- --filter '*RowCodec*' --job short</c>
/// </summary>
[MemoryDiagnoser]
public class RowCodecBenchmarks
{
    private static readonly byte[] Bid = Encoding.UTF8.GetBytes(
        """{"auction":1007,"bidder":2001,"price":4211,"channel":"Google","url":"https://www.nexmark.com/abc/def/item.htm?query=1","date_time":"2026-01-01T12:00:00.125Z","extra":"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"}""");

    private static readonly ColumnInfo[] Typed =
    [
        new("auction", ColumnType.Bigint), new("bidder", ColumnType.Bigint), new("price", ColumnType.Bigint),
        new("channel", ColumnType.Text), new("url", ColumnType.Text), new("date_time", ColumnType.Timestamp), new("extra", ColumnType.Text),
    ];

    private static readonly ColumnInfo[] Untyped = [new("auction", ColumnType.Any), new("price", ColumnType.Any)];

    private readonly RowDecoder typed = new(Typed);
    private readonly RowDecoder untyped = new(Untyped);

    // What q0 + q1 + q2 decode of a bid together: auction, bidder, price and date_time; the text columns are skipped.
    private readonly RowDecoder typedFour = new(Typed, [true, true, true, false, false, true, false]);
    private readonly RowEncoder encoder = new(Typed, includeOp: false);
    private OutputRow row;

    // q0's output columns, and 1,000 of its rows as the Nexmark generator's bids make them: event time advancing
    // 0.1 ms per event (10,000 events per second of event time).
    private static readonly ColumnInfo[] Q0Columns =
    [
        new("auction", ColumnType.Bigint), new("bidder", ColumnType.Bigint), new("price", ColumnType.Bigint), new("date_time", ColumnType.Timestamp),
    ];

    private const int Q0RowCount = 1_000;
    private readonly RowEncoder q0Encoder = new(Q0Columns, includeOp: false);
    private readonly List<OutputRow> q0Rows = [];
    private readonly ReadOnlyMemory<byte>[] q0Payloads = new ReadOnlyMemory<byte>[Q0RowCount];

    [GlobalSetup]
    public void Setup()
    {
        row = new OutputRow(typed.Decode(Bid), DateTime.UtcNow, ChangeOp.Insert);
        var start = new DateTime(2026, 1, 1, 12, 0, 0, DateTimeKind.Utc);
        for (var n = 0; n < Q0RowCount; n++)
        {
            var time = start.AddTicks(n * TimeSpan.TicksPerMillisecond / 10);
            q0Rows.Add(new OutputRow([1_000L + n % 60, 2_000L + n % 97, 1_000L + n * 37 % 10_000, time], time, ChangeOp.Insert));
        }
    }

    [Benchmark]
    public object?[] DecodeTypedBid() => typed.Decode(Bid);

    [Benchmark]
    public object?[] DecodeFourTypedColumns() => typedFour.Decode(Bid);

    [Benchmark]
    public object?[] DecodeTwoUntypedColumns() => untyped.Decode(Bid);

    [Benchmark]
    public byte[] EncodeBidRow() => encoder.Encode(row);

    /// <summary>Per row: 1,000 rows of q0 encoded as a query run encodes a batch for a memory output stream.</summary>
    [Benchmark(OperationsPerInvoke = Q0RowCount)]
    public void EncodeQ0Rows() => q0Encoder.EncodeAllReused(q0Rows, q0Payloads);
}
