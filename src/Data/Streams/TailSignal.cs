namespace Sluice.Data.Streams;

/// <summary>
/// A broadcast "something was appended" signal: waiters take the current task, and each pulse
/// completes it and installs a fresh one. Readers re-check the head after waking, so a pulse that
/// lands between their check and their wait is never lost (they captured the task before checking).
/// </summary>
internal sealed class TailSignal
{
    private TaskCompletionSource current = NewSource();
    private volatile bool closed;

    public Task Current => Volatile.Read(ref current).Task;

    public bool IsClosed => closed;

    public void Pulse()
    {
        var previous = Interlocked.Exchange(ref current, NewSource());
        previous.TrySetResult();
    }

    public void Close()
    {
        closed = true;
        Pulse();
    }

    private static TaskCompletionSource NewSource() => new(TaskCreationOptions.RunContinuationsAsynchronously);
}
