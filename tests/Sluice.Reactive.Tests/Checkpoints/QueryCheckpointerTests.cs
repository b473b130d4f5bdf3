using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using Sluice.Data.Queries;
using Sluice.Reactive.Runtime.Checkpoints;

namespace Sluice.Reactive.Tests.Checkpoints;

/// <summary>When a query's checkpointer says a checkpoint is due.</summary>
public sealed class QueryCheckpointerTests
{
    private static readonly TimeSpan Interval = TimeSpan.FromSeconds(1);

    [Fact]
    public void A_run_resumed_from_a_checkpoint_does_not_write_the_restored_state_again_until_it_reads_past_it()
    {
        var time = new FakeTimeProvider();
        var checkpointer = new QueryCheckpointer(new MemoryQueryCatalog(), "q", Interval, time, NullLogger.Instance);
        checkpointer.ResumedAt([100, 7]);
        time.Advance(Interval * 3);

        Assert.True(checkpointer.Due);
        Assert.False(checkpointer.DueAt([100, 7]));
        // An idle run at the restored offsets waits for input alone, not for a checkpoint.
        Assert.Null(checkpointer.Pending([100, 7]));

        Assert.True(checkpointer.DueAt([101, 7]));
        Assert.True(checkpointer.DueAt([100, 8]));
        Assert.Equal(TimeSpan.FromMilliseconds(1), checkpointer.Pending([101, 7]));
    }

    [Fact]
    public void A_fresh_run_is_due_once_the_interval_has_passed()
    {
        var time = new FakeTimeProvider();
        var checkpointer = new QueryCheckpointer(new MemoryQueryCatalog(), "q", Interval, time, NullLogger.Instance);

        Assert.False(checkpointer.DueAt([0]));
        time.Advance(Interval - TimeSpan.FromMilliseconds(10));
        Assert.False(checkpointer.DueAt([0]));
        time.Advance(TimeSpan.FromMilliseconds(10));
        Assert.True(checkpointer.DueAt([0]));
    }
}
