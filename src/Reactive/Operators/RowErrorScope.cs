using Sluice.Reactive.Expressions;

namespace Sluice.Reactive.Operators;

/// <summary>
/// Non-strict rows (SPEC §4) for one pipeline: compiled expressions that fail on a row yield NULL (a predicate: not
/// TRUE) and are counted in <see cref="QueryStats.RowErrors"/> with the input event being processed.
/// Pipelines run synchronously from the pushes of one thread, so the event a source is pushing is the one at fault.
/// Filters and projections, the hot path of the simplest queries, catch in the operator (which has a try block
/// anyway), so non-strict rows cost them nothing; other operators get their delegates wrapped by <see cref="Guard(Func{object?[], object?}, string)"/>.
/// </summary>
internal sealed class RowErrorScope(QueryStats stats, IReadOnlyList<string> inputStreams)
{
    private int input = -1;
    private long offset;

    /// <summary>Called by a source before it pushes an event down the pipeline.</summary>
    public void Enter(int inputIndex, long eventOffset)
    {
        input = inputIndex;
        offset = eventOffset;
    }

    public void Report(Exception error, string where)
    {
        var message = SqlEvaluationException.From(error, where).Message;
        stats.AddRowError(input < 0 ? new RowError(message, null, null) : new RowError(message, inputStreams[input], offset));
    }

    public Func<object?[], object?> Guard(Func<object?[], object?> value, string where) => row =>
    {
        try
        {
            return value(row);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            Report(e, where);
            return null;
        }
    };

    public Func<object?[], bool> Guard(Func<object?[], bool> predicate, string where) => row =>
    {
        try
        {
            return predicate(row);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            Report(e, where);
            return false;
        }
    };

    /// <summary>
    /// Rebuilds a SELECT row column by column after its one-delegate fast path threw, so only the failing columns
    /// become NULL (each counted). The fast path stays untouched: the project operator catches already.
    /// </summary>
    public object?[] EvaluateColumns(Func<object?[], object?>[] columns, object?[] row, string where)
    {
        var result = new object?[columns.Length];
        for (var i = 0; i < columns.Length; i++)
        {
            try
            {
                result[i] = columns[i](row);
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                Report(e, where);
            }
        }
        return result;
    }
}

/// <summary>Applies the pipeline's <see cref="RowErrorScope"/>, if any (none when errors are strict).</summary>
internal static class RowErrorGuards
{
    public static Func<object?[], object?> Guard(this BuildContext ctx, Func<object?[], object?> value, string where) =>
        ctx.Errors is { } errors ? errors.Guard(value, where) : value;

    public static Func<object?[], object?>[] Guard(this BuildContext ctx, Func<object?[], object?>[] values, string where) =>
        ctx.Errors is { } errors ? values.Select(v => errors.Guard(v, where)).ToArray() : values;

    public static Func<object?[], bool> Guard(this BuildContext ctx, Func<object?[], bool> predicate, string where) =>
        ctx.Errors is { } errors ? errors.Guard(predicate, where) : predicate;

    public static Func<object?[], bool>? GuardOptional(this BuildContext ctx, Func<object?[], bool>? predicate, string where) =>
        predicate is null ? null : ctx.Guard(predicate, where);
}
