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

    [GlobalSetup]
    public void Setup() => row = new OutputRow(typed.Decode(Bid), DateTime.UtcNow, ChangeOp.Insert);

    [Benchmark]
    public object?[] DecodeTypedBid() => typed.Decode(Bid);

    [Benchmark]
    public object?[] DecodeFourTypedColumns() => typedFour.Decode(Bid);

    [Benchmark]
    public object?[] DecodeTwoUntypedColumns() => untyped.Decode(Bid);

    [Benchmark]
    public byte[] EncodeBidRow() => encoder.Encode(row);
}
