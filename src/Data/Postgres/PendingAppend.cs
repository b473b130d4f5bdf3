using Sluice.Data.Streams;

namespace Sluice.Data.Postgres;

/// <summary>One append request waiting to be written by whichever caller holds the stream's lock next.</summary>
internal sealed class PendingAppend(IReadOnlyList<NewEvent> events)
{
    private const int Waiting = 0, Claimed = 1, Abandoned = 2;
    private int state;

    public IReadOnlyList<NewEvent> Events { get; } = events;

    /// <summary>Completes with the first offset once the request is committed, or with the write's error.</summary>
    public TaskCompletionSource<long> Committed { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>A writer takes the request into its group; false when the caller gave up first.</summary>
    public bool TryClaim() => Interlocked.CompareExchange(ref state, Claimed, Waiting) == Waiting;

    /// <summary>The caller gives up; false when a writer already claimed it (its outcome then stands).</summary>
    public bool TryAbandon() => Interlocked.CompareExchange(ref state, Abandoned, Waiting) == Waiting;
}
