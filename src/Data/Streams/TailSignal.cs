namespace Sluice.Data.Streams;

/// <summary>
/// A broadcast "something was appended" signal: waiters take the current task, and a pulse completes it and installs
/// a fresh one. Readers re-check the head after taking the task, so a pulse that lands between their check and their
/// wait is never lost. A pulse that no reader has taken the task of since the last one does nothing: nobody waits on
/// it, so there is no task to complete and no fresh one to allocate (an append with no reader at the head, say one
/// event per POST into a stream nobody follows, then costs no task).
/// </summary>
internal sealed class TailSignal
{
    private TaskCompletionSource current = NewSource();
    private volatile bool closed;

    // 1 once a reader may hold the current task. Taken with a full fence on both sides (Dekker): a reader marks it and
    // then reads the head; an appender moves the head and then clears it. So either the appender sees the mark and
    // completes the task, or the reader sees the new head and does not wait.
    private int taken;

    public Task Current
    {
        get
        {
            // The source first, then the mark: a pulse between the two finds the mark of whoever took the source
            // before, or none, and then this reader's head check (after the mark) sees that pulse's events.
            var source = Volatile.Read(ref current);
            Interlocked.Exchange(ref taken, 1);
            return source.Task;
        }
    }

    public bool IsClosed => closed;

    public void Pulse()
    {
        if (Interlocked.Exchange(ref taken, 0) == 0)
        {
            return;
        }
        Interlocked.Exchange(ref current, NewSource()).TrySetResult();
    }

    public void Close()
    {
        closed = true;
        Interlocked.Exchange(ref taken, 0);
        Interlocked.Exchange(ref current, NewSource()).TrySetResult();
    }

    private static TaskCompletionSource NewSource() => new(TaskCreationOptions.RunContinuationsAsynchronously);
}
