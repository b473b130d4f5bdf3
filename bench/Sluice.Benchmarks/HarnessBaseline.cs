using System.Reactive.Linq;
using Sluice.Nexmark;
using Sluice.Reactive;

namespace Sluice.Benchmarks;

/// <summary>
/// A hand-built q0 (one Rx <c>Select</c> from input rows to output rows, no engine code): the floor set by
/// the harness and one Rx operator, to read the engine's figures against.
/// </summary>
internal static class HarnessBaseline
{
    public const string Name = "baseline";

    public static CompiledQuery Query()
    {
        ColumnInfo[] columns = [.. NexmarkStreams.BidSchema.Select(f => new ColumnInfo(f.Key, f.Value switch
        {
            "bigint" => ColumnType.Bigint,
            "timestamp" => ColumnType.Timestamp,
            _ => ColumnType.Text,
        }))];
        return new CompiledQuery(
            "baseline: SELECT * FROM bid, by hand",
            [new QueryInput(NexmarkStreams.Bid, columns, TimeSpan.Zero)],
            columns,
            isUpdating: false,
            "Select (hand-built)",
            (inputs, stats) => inputs[0].Select(e => new OutputRow(e.Row, e.EventTime, ChangeOp.Insert)));
    }
}
