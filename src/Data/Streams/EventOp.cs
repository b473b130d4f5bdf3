namespace Sluice.Data.Streams;

/// <summary>
/// The changelog mark of an event, kept beside its data rather than inside it (SPEC §4: rows of an updating query carry
/// <c>"op": "+"</c> or <c>"-"</c>; a replaced query's output starts over with <c>"reset"</c>). A query writes it here so that
/// nobody has to find it in the JSON again; readers get the data as the API shows it from <see cref="EventOps.WireData"/>.
/// </summary>
/// <remarks>
/// <see cref="None"/> means "not known beside the data": the event's data is as its producer sent it and may carry an
/// <c>op</c> field of its own (a producer may post changelog rows; events read back from PostgreSQL, which stores the data
/// as the API shows it, and events forwarded between cluster nodes come this way too).
/// </remarks>
public enum EventOp : byte
{
    /// <summary>No op beside the data.</summary>
    None = 0,

    /// <summary><c>"op": "+"</c>: a row enters the result.</summary>
    Insert = 1,

    /// <summary><c>"op": "-"</c>: a row leaves the result.</summary>
    Delete = 2,

    /// <summary><c>"op": "reset"</c>: a replaced query's output starts over here (its data is <c>{}</c>).</summary>
    Reset = 3,
}
