namespace Sluice.Reactive;

/// <summary>One event of one input stream, decoded into the row layout its input binding asked for.</summary>
/// <param name="Offset">The event's offset in its stream.</param>
/// <param name="EventTime">Event time (UTC), from which the stream's watermark advances.</param>
/// <param name="Row">Values in the order of <see cref="QueryInput.Columns"/>.</param>
public readonly record struct InputEvent(long Offset, DateTime EventTime, object?[] Row);

/// <summary>Whether an output row is added to or retracted from the result.</summary>
public enum ChangeOp
{
    /// <summary><c>"op": "+"</c>, or a plain row of an append-only query.</summary>
    Insert,

    /// <summary><c>"op": "-"</c>: a row previously emitted is no longer in the result.</summary>
    Delete,
}

/// <summary>A row a query emits, in the order of <see cref="CompiledQuery.OutputColumns"/>.</summary>
public readonly record struct OutputRow(object?[] Values, DateTime EventTime, ChangeOp Op);
