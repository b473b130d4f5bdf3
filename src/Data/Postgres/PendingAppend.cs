using Sluice.Data.Streams;

namespace Sluice.Data.Postgres;

/// <summary>One append request waiting to be written by whichever caller holds the stream's lock next.</summary>
internal sealed class PendingAppend : IDisposable
{
    private const int Waiting = 0, Claimed = 1, Abandoned = 2;
    private readonly TaskCompletionSource<AppendOutcome> outcome = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int state;

    public PendingAppend(IReadOnlyList<NewEvent> events, AppendConditions conditions, CancellationToken callerGivesUp)
    {
        Events = events;
        Conditions = conditions;
        LockWait = CancellationTokenSource.CreateLinkedTokenSource(callerGivesUp);
    }

    public IReadOnlyList<NewEvent> Events { get; }

    public AppendConditions Conditions { get; }

    /// <summary>Ends the caller's wait for the lock: when the caller gives up, or once another writer has finished its request.</summary>
    public CancellationTokenSource LockWait { get; }

    /// <summary>Completes once the request is committed or refused, or with the write's error.</summary>
    public Task<AppendOutcome> Outcome => outcome.Task;

    /// <summary>Neither claimed by a writer nor given up: it still needs someone to write it.</summary>
    public bool IsWaiting => Volatile.Read(ref state) == Waiting;

    /// <summary>
    /// A writer takes the request into its group; false when the caller gave up first. A claimed request's caller stops
    /// waiting for the stream's lock at once: its outcome comes from the writer, and the lock is for planning the next group.
    /// </summary>
    public bool TryClaim()
    {
        if (Interlocked.CompareExchange(ref state, Claimed, Waiting) != Waiting)
        {
            return false;
        }
        LockWait.Cancel();
        return true;
    }

    /// <summary>The caller gives up; false when a writer already claimed it (its outcome then stands).</summary>
    public bool TryAbandon() => Interlocked.CompareExchange(ref state, Abandoned, Waiting) == Waiting;

    // The lock wait is cancelled before the outcome is set: the caller disposes LockWait only after the outcome.
    public void Complete(AppendOutcome result)
    {
        LockWait.Cancel();
        outcome.SetResult(result);
    }

    public void Fail(Exception error)
    {
        LockWait.Cancel();
        outcome.TrySetException(error);
    }

    public void Dispose() => LockWait.Dispose();
}
