using Sluice.Data.Postgres;

namespace Sluice.Api.Tests.Postgres;

/// <summary>
/// The order of a postgres stream's pipelined writes (<see cref="CommitPipeline"/>): one COPY at a time, commits in the
/// order the offsets were handed out, and nothing committed after a group that failed.
/// </summary>
public sealed class CommitPipelineTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task A_group_may_commit_only_after_every_earlier_group_committed()
    {
        var pipeline = new CommitPipeline(maxInFlight: 3);
        var (first, second, third) = await ThreeGroupsWithTheFirstTwoCopiedAsync(pipeline);

        Assert.True(first.PredecessorsCommitted.IsCompletedSuccessfully);
        Assert.False(second.PredecessorsCommitted.IsCompleted);
        Assert.False(third.PredecessorsCommitted.IsCompleted);

        first.Committed();
        await second.PredecessorsCommitted.WaitAsync(Patience);
        Assert.False(third.PredecessorsCommitted.IsCompleted);

        second.Committed();
        await third.PredecessorsCommitted.WaitAsync(Patience);
    }

    [Fact]
    public async Task Groups_started_after_a_failed_group_are_told_not_to_commit()
    {
        var pipeline = new CommitPipeline(maxInFlight: 3);
        var (first, second, third) = await ThreeGroupsWithTheFirstTwoCopiedAsync(pipeline);

        var error = new InvalidOperationException("connection broken");
        first.Failed(error);

        Assert.Same(error, await Assert.ThrowsAsync<InvalidOperationException>(() => second.PredecessorsCommitted.WaitAsync(Patience)));
        second.Failed(error);
        await Assert.ThrowsAsync<InvalidOperationException>(() => third.PredecessorsCommitted.WaitAsync(Patience));
    }

    [Fact]
    public async Task A_failed_group_releases_its_successors_only_once_its_own_predecessors_have_finished()
    {
        var pipeline = new CommitPipeline(maxInFlight: 3);
        var (first, second, third) = await ThreeGroupsWithTheFirstTwoCopiedAsync(pipeline);
        third.CopyEnded();

        // The second group's commit failed while the first is still committing: reading the head back must wait for the first.
        second.Failed(new InvalidOperationException("commit refused"));
        Assert.False(third.PredecessorsFinished.IsCompleted);

        first.Committed();
        await third.PredecessorsFinished.WaitAsync(Patience);
        await Assert.ThrowsAsync<InvalidOperationException>(() => third.PredecessorsCommitted.WaitAsync(Patience));
        third.Failed(new InvalidOperationException("rolled back"));
        var fourth = await TakeTurnAsync(pipeline);
        await fourth.PredecessorsFinished.WaitAsync(Patience);
    }

    [Fact]
    public async Task Only_one_group_copies_at_a_time()
    {
        var pipeline = new CommitPipeline(maxInFlight: 3);
        var first = await TakeTurnAsync(pipeline);

        var second = pipeline.WaitForTurnAsync(CancellationToken.None);
        Assert.False(second.IsCompleted);

        first.CopyEnded();
        await second.WaitAsync(Patience);
    }

    [Fact]
    public async Task No_more_than_the_bound_of_groups_are_in_flight()
    {
        var pipeline = new CommitPipeline(maxInFlight: 2);
        var first = await TakeTurnAsync(pipeline);
        first.CopyEnded();
        var second = await TakeTurnAsync(pipeline);
        second.CopyEnded();

        var third = pipeline.WaitForTurnAsync(CancellationToken.None);
        Assert.False(third.IsCompleted);

        first.Committed();
        await third.WaitAsync(Patience);
    }

    [Fact]
    public async Task With_one_group_in_flight_the_next_group_starts_only_after_the_previous_one_committed()
    {
        // The default (PostgresAppendOptions): the next group is planned after the commit, so it gathers every request queued meanwhile.
        var pipeline = new CommitPipeline(maxInFlight: 1);
        var first = await TakeTurnAsync(pipeline);

        var second = pipeline.WaitForTurnAsync(CancellationToken.None);
        first.CopyEnded();
        Assert.False(second.IsCompleted);

        first.Committed();
        var next = await second.WaitAsync(Patience);
        Assert.True(next.PredecessorsCommitted.IsCompletedSuccessfully);
    }

    [Fact]
    public async Task A_caller_that_gives_up_waiting_for_a_turn_takes_no_place_in_the_pipeline()
    {
        var pipeline = new CommitPipeline(maxInFlight: 2);
        var first = await TakeTurnAsync(pipeline);
        using var giveUp = new CancellationTokenSource();

        var abandoned = pipeline.WaitForTurnAsync(giveUp.Token);
        giveUp.Cancel();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => abandoned.WaitAsync(Patience));

        first.CopyEnded();
        var second = await TakeTurnAsync(pipeline);
        second.CopyEnded();
        // Both slots were free again for the second and the third: the abandoned wait released what it had taken.
        first.Committed();
        var third = await TakeTurnAsync(pipeline);
        Assert.False(third.PredecessorsCommitted.IsCompleted);
        second.Committed();
        await third.PredecessorsCommitted.WaitAsync(Patience);
    }

    [Fact]
    public async Task A_skipped_turn_passes_an_earlier_failure_on_to_later_groups()
    {
        var pipeline = new CommitPipeline(maxInFlight: 3);
        var first = await TakeTurnAsync(pipeline);
        first.CopyEnded();
        var skipped = await TakeTurnAsync(pipeline);
        skipped.Skipped();
        var third = await TakeTurnAsync(pipeline);

        first.Failed(new InvalidOperationException("commit failed"));

        await Assert.ThrowsAsync<InvalidOperationException>(() => third.PredecessorsCommitted.WaitAsync(Patience));
    }

    /// <summary>Waits (bounded) for the next turn, as every writer does before its COPY.</summary>
    private static Task<CommitPipeline.CommitTurn> TakeTurnAsync(CommitPipeline pipeline) =>
        pipeline.WaitForTurnAsync(CancellationToken.None).WaitAsync(Patience);

    /// <summary>Three groups in flight: the first two have ended their COPY, the third holds the copy turn.</summary>
    private static async Task<(CommitPipeline.CommitTurn First, CommitPipeline.CommitTurn Second, CommitPipeline.CommitTurn Third)>
        ThreeGroupsWithTheFirstTwoCopiedAsync(CommitPipeline pipeline)
    {
        var first = await TakeTurnAsync(pipeline);
        first.CopyEnded();
        var second = await TakeTurnAsync(pipeline);
        second.CopyEnded();
        return (first, second, await TakeTurnAsync(pipeline));
    }
}
