namespace Sluice.Reactive.Runtime;

/// <summary>
/// What the last recovery of a durable query did after a restart, so a user (and a test) can tell state restored from a
/// checkpoint from state rebuilt by replaying the inputs from the run's start.
/// </summary>
/// <param name="FromCheckpoint">True when operator state and input offsets came from a checkpoint.</param>
/// <param name="Offsets">Where the inputs were read again from: the checkpoint's offsets, or the run's start offsets.</param>
/// <param name="CheckpointTakenAt">When that checkpoint was taken; null without one.</param>
/// <param name="RestoredStateEntries">Groups, windows and join rows read back from the checkpoint.</param>
/// <param name="JournalBatches">Journaled input batches replayed in their recorded order (queries with two or more inputs, or a non-windowed GROUP BY).</param>
/// <param name="RowsSkipped">Re-produced rows not appended again because the output stream already held them.</param>
/// <param name="ReplayedEvents">Input events pushed again before the query caught up with its output (every skipped row re-produced); null while it still catches up.</param>
/// <param name="RestoreTime">How long reading the operator state back took.</param>
public sealed record QueryRecoveryReport(
    bool FromCheckpoint,
    IReadOnlyList<long> Offsets,
    DateTimeOffset? CheckpointTakenAt,
    long RestoredStateEntries,
    int JournalBatches,
    long RowsSkipped,
    long? ReplayedEvents,
    TimeSpan RestoreTime);
