namespace Sluice.Reactive.Runtime;

/// <summary>
/// The end of a running query's pipeline: holds the rows it emits until <see cref="QueryRun"/> appends them. Between
/// input events the run appends whenever <see cref="Rows"/> holds <see cref="QueryRun.OutputChunkRows"/>. One event
/// can produce far more than that by itself: a cross join (or a join on a low-cardinality key) meets every stored row
/// of the other side, up to <c>Limits:QueryStateRows</c> of them. Such an event's rows are appended from here, as they
/// come, every <see cref="QueryRun.OutputChunkRows"/> rows of that event, so what the query holds stays below twice
/// that whatever its state (SPEC §8: a join never materialises an unbounded batch).
/// </summary>
/// <remarks>
/// The pipeline is synchronous (Rx operators call each other), so an operator cannot await in the middle of a row:
/// the append made from here blocks the driver until it is done. That is the back-pressure the fan-out needs, and it
/// only happens for an event that fans out (ordinary batches are appended by the run, asynchronously, between events).
/// Its time counts in the query's T_process, not T_write: it is spent inside the event's processing.
/// An append that fails here (the output stream deleted or full, the run stopping) ends the pipeline at once, so the
/// operator stops fanning out instead of producing rows nobody appends; <see cref="WriteFailure"/> says why.
/// </remarks>
internal sealed class PipelineOutput(Func<List<OutputRow>, CancellationToken, Task> append, CancellationToken cancellation) : IObserver<OutputRow>
{
    private int eventStart;

    /// <summary>Rows emitted and not yet appended, in emission order.</summary>
    public List<OutputRow> Rows { get; } = [];

    /// <summary>The error the pipeline reported (OnError), if any.</summary>
    public Exception? PipelineError { get; private set; }

    /// <summary>Why an append made in the middle of an event failed, if one did; the pipeline has ended.</summary>
    public Exception? WriteFailure { get; private set; }

    /// <summary>The pipeline feeding this output, ended when an append made from here fails.</summary>
    public IDisposable? Pipeline { get; set; }

    /// <summary>Marks the start of one input event (or one firing of the processing-time clock): its rows are counted from here.</summary>
    public void BeginEvent() => eventStart = Rows.Count;

    public void OnNext(OutputRow value)
    {
        if (WriteFailure is not null)
        {
            return;
        }
        Rows.Add(value);
        if (Rows.Count - eventStart < QueryRun.OutputChunkRows)
        {
            return;
        }
        try
        {
            append(Rows, cancellation).GetAwaiter().GetResult();
        }
        catch (Exception e)
        {
            WriteFailure = e;
            Rows.Clear();
            Pipeline?.Dispose();
        }
        eventStart = 0;
    }

    public void OnError(Exception error) => PipelineError ??= error;

    public void OnCompleted()
    {
    }
}
