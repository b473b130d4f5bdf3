using Sluice.Data.Streams;
using Sluice.Reactive.Rows;

namespace Sluice.Reactive.Runtime;

/// <summary>
/// Attaches a query's output rows to its output events in the layout a downstream query reads them
/// (<see cref="InputDecoder"/>'s memo for the output stream's schema), so queries reading another query's
/// output never parse its JSON. A row is attached only when it holds exactly the values decoding its JSON
/// would give (typed columns, timestamps at millisecond precision; json values are always decoded); any other row is left to be decoded.
/// </summary>
internal sealed class OutputRowMemo
{
    private readonly TailMemo<object?[]> memo;
    private readonly ColumnType[] types;
    private readonly int[] sources;
    private readonly bool withOp;

    private OutputRowMemo(TailMemo<object?[]> memo, ColumnType[] types, int[] sources, bool withOp)
    {
        this.memo = memo;
        this.types = types;
        this.sources = sources;
        this.withOp = withOp;
    }

    /// <summary>The memo for <paramref name="output"/>, or null when its readers decode untyped columns (no schema) or names repeat.</summary>
    public static OutputRowMemo? For(StreamLog output, CompiledQuery compiled)
    {
        if (StoreStreamShapes.ToShape(output.Definition).Columns is not { } layout)
        {
            return null;
        }
        var names = compiled.OutputColumns.Select(c => c.Name).ToArray();
        if (names.Distinct(StringComparer.OrdinalIgnoreCase).Count() != names.Length)
        {
            // The decoder takes the last of repeated names, the schema the first type: leave such rows to the decoder.
            return null;
        }
        var sources = new int[layout.Count];
        for (var i = 0; i < layout.Count; i++)
        {
            sources[i] = Array.IndexOf(names, layout[i].Name);
            if (sources[i] < 0 && !(compiled.IsUpdating && layout[i].Name == RowEncoder.OpColumn))
            {
                return null;
            }
        }
        return new OutputRowMemo(output.Tail.Memo<object?[]>(InputDecoder.MemoName(layout)), layout.Select(c => c.Type).ToArray(), sources, compiled.IsUpdating);
    }

    /// <summary>The memo to append with <paramref name="row"/>, or null when the row must be decoded from its JSON.</summary>
    public EventMemo? Of(OutputRow row)
    {
        if (memo.Users == 0)
        {
            // No query reads the output in this layout now; one that starts later decodes what it finds.
            return null;
        }
        var values = new object?[types.Length];
        for (var i = 0; i < types.Length; i++)
        {
            if (sources[i] < 0)
            {
                values[i] = withOp ? (row.Op == ChangeOp.Delete ? "-" : "+") : null;
                continue;
            }
            var value = row.Values[sources[i]];
            if (!AsDecoded(value, types[i], out values[i]))
            {
                return null;
            }
        }
        return EventMemo.For(memo, values);
    }

    /// <summary>What decoding <paramref name="value"/>'s JSON as <paramref name="type"/> gives, when that is certain.</summary>
    private static bool AsDecoded(object? value, ColumnType type, out object? decoded)
    {
        decoded = value;
        switch (value)
        {
            case null:
                return true;
            case long when type == ColumnType.Bigint:
            case string when type == ColumnType.Text:
            case bool when type == ColumnType.Boolean:
            case decimal when type == ColumnType.Decimal:
                return true;
            case double real when type == ColumnType.Double:
                // JSON has no NaN or infinity: those are written, and so read back, as null.
                decoded = double.IsFinite(real) ? real : null;
                return true;
            case DateTime instant when type == ColumnType.Timestamp:
                // Written with milliseconds in UTC; anything finer would read back otherwise.
                return instant.Kind == DateTimeKind.Utc && instant.Ticks % TimeSpan.TicksPerMillisecond == 0;
            default:
                return false;
        }
    }
}
