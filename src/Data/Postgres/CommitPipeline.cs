namespace Sluice.Data.Postgres;

/// <summary>
/// The order in which a stream's groups of appends are written and committed (single-service mode). A group COPYs its
/// events inside a transaction while earlier groups are still waiting for their commit (their WAL flush), and commits
/// only after every earlier group committed: the table only ever holds a prefix of the offsets handed out, so the
/// offsets stay gapless, and a group whose predecessor failed rolls back instead of committing past a hole.
/// <para>
/// One group COPYs at a time (the COPY is the PostgreSQL backend's CPU work; the overlap that pays is a COPY during the
/// previous group's flush, docs/benchmarks.md "PostgreSQL ingest"), and at most <c>maxInFlight</c> groups are between
/// their start and their commit. Turns are taken under the stream's lock, in offset order.
/// </para>
/// </summary>
internal sealed class CommitPipeline(int maxInFlight)
{
    private readonly SemaphoreSlim copying = new(1, 1);
    private readonly SemaphoreSlim inFlight = new(maxInFlight, maxInFlight);
    private Task last = Task.CompletedTask;

    /// <summary>
    /// Waits until the next group may start: no group is copying and fewer than <c>maxInFlight</c> are in flight.
    /// Call under the stream's lock, so turns are taken in offset order. A queued caller that gives up stops waiting here.
    /// </summary>
    public async Task<CommitTurn> WaitForTurnAsync(CancellationToken cancellationToken)
    {
        await inFlight.WaitAsync(cancellationToken);
        try
        {
            await copying.WaitAsync(cancellationToken);
        }
        catch
        {
            inFlight.Release();
            throw;
        }
        var turn = new CommitTurn(this, last);
        last = turn.SuccessorsMayCommit;
        return turn;
    }

    /// <summary>One group's place in the pipeline.</summary>
    internal sealed class CommitTurn
    {
        private readonly CommitPipeline pipeline;
        private readonly Task previous;
        private readonly TaskCompletionSource successorsMayCommit = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private int copyEnded;
        private int ended;

        internal CommitTurn(CommitPipeline pipeline, Task previous) => (this.pipeline, this.previous) = (pipeline, previous);

        /// <summary>
        /// Completes when every earlier group committed (this one may then commit); faults with an earlier group's error
        /// when one failed (this one's offsets assumed that group's, so it must roll back).
        /// </summary>
        public Task PredecessorsCommitted => previous;

        /// <summary>Completes when every earlier group has finished, committed or not (before reading the head back).</summary>
        public Task PredecessorsFinished => previous.ContinueWith(static _ => { }, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);

        /// <summary>What the next turn waits on before it commits.</summary>
        internal Task SuccessorsMayCommit => successorsMayCommit.Task;

        /// <summary>This group's COPY is over: the next group may start its own while this one waits to commit.</summary>
        public void CopyEnded()
        {
            if (Interlocked.Exchange(ref copyEnded, 1) == 0)
            {
                pipeline.copying.Release();
            }
        }

        /// <summary>
        /// This group committed, or was written with every predecessor finished (a later group planned after it relies
        /// only on what it left: the head, or the flag that says to read it back): later groups may commit.
        /// </summary>
        public void Committed() => End(() => successorsMayCommit.SetResult());

        /// <summary>This group took offsets and did not commit: the groups after it took theirs after it, so they must not commit.</summary>
        public void Failed(Exception error) => End(() => previous.ContinueWith(
            _ => successorsMayCommit.SetException(error), CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default));

        /// <summary>This group took no offsets (nothing to write, or refused before planning): later groups depend on the earlier ones only.</summary>
        public void Skipped() => End(() => previous.ContinueWith(
            p =>
            {
                if (p.Exception is { } error)
                {
                    successorsMayCommit.SetException(error.InnerExceptions);
                }
                else
                {
                    successorsMayCommit.SetResult();
                }
            },
            CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default));

        private void End(Action release)
        {
            if (Interlocked.Exchange(ref ended, 1) != 0)
            {
                return;
            }
            CopyEnded();
            pipeline.inFlight.Release();
            release();
        }
    }
}
