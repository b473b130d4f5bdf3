using Sluice.Data.Queries;
using Sluice.Data.Streams;
using Sluice.Reactive.Runtime.Checkpoints;

namespace Sluice.Reactive.Runtime;

/// <summary>
/// What makes one run of a durable query exactly-once (docs/durability.md): it journals the order in which a
/// multi-input query consumes its inputs' batches, durably before the output rows they produced are appended; after
/// a restart it hands the run the journal to replay in that same order, and drops the rows the replay re-produces
/// that the output stream already holds. Used by the run's driver only, so nothing here is locked.
/// </summary>
public sealed class QueryDurability
{
    // Journal entries of batches that produced no rows wait for the next append; this bounds how many wait.
    private const int MaxPendingEntries = 512;

    private readonly IQueryCatalog catalog;
    private readonly List<JournalEntry> pending = [];
    private readonly IReadOnlyList<JournalEntry> replay;
    private long rowsToSkip;
    private long nextSequence;

    /// <param name="catalog">Where the journal goes.</param>
    /// <param name="query">The query's name.</param>
    /// <param name="journaled">True for a query with two or more inputs, or one that mini-batches (<see cref="Journals"/>).</param>
    /// <param name="replay">Journal entries (after the restored state) to replay before reading live.</param>
    /// <param name="rowsToSkip">Rows the output stream already holds beyond the restored state: the first this many re-produced are not appended.</param>
    /// <param name="lastSequence">The last journal sequence used so far (0 for none).</param>
    public QueryDurability(IQueryCatalog catalog, string query, bool journaled, IReadOnlyList<JournalEntry> replay, long rowsToSkip, long lastSequence)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        ArgumentNullException.ThrowIfNull(replay);
        ArgumentOutOfRangeException.ThrowIfNegative(rowsToSkip);
        this.catalog = catalog;
        Query = query;
        Journaled = journaled;
        this.replay = replay;
        this.rowsToSkip = rowsToSkip;
        nextSequence = Math.Max(lastSequence, replay.Count > 0 ? replay[^1].Sequence : 0) + 1;
    }

    public string Query { get; }

    /// <summary>Takes this run's checkpoints; null when the query is not checkpointed (docs/durability.md says which are).</summary>
    public QueryCheckpointer? Checkpointer { get; init; }

    /// <summary>The checkpoint whose operator state the run reads back before it replays; null when it starts from its start offsets.</summary>
    public StoredCheckpoint? Restore { get; init; }

    /// <summary>
    /// This run's checkpoint now, with <paramref name="pipeline"/>'s state captured (serialized when written), or null when none may be taken: while
    /// re-produced rows are still being skipped, the output head is ahead of the offsets, and a checkpoint would pair
    /// them wrongly.
    /// </summary>
    public CapturedCheckpoint? Snapshot(IReadOnlyList<long> offsets, long outputHead, DateTimeOffset now, PipelineCheckpoint? pipeline) =>
        Checkpointer is null || pipeline is null || Replaying || rowsToSkip > 0
            ? null
            : new CapturedCheckpoint(new StoredCheckpoint(Query, CheckpointFormat.Current, offsets.ToArray(), outputHead, LastSequence, [], now), pipeline.Capture());

    public bool Journaled { get; }

    /// <summary>
    /// True when a durable run of <paramref name="compiled"/> journals its batches: with two or more inputs the order of
    /// their batches decides its output, and a pipeline that mini-batches (<see cref="PipelineBatches"/>) emits per
    /// batch, so a replay must end its batches where the first run did.
    /// </summary>
    public static bool Journals(CompiledQuery compiled)
    {
        ArgumentNullException.ThrowIfNull(compiled);
        return compiled.Inputs.Count > 1 || PipelineBatches.Batches(compiled);
    }

    /// <summary>True when the run continues one from before a restart (its output already held rows, or a checkpoint exists).</summary>
    public bool Resumed { get; init; }

    /// <summary>What the run's output appends carry: on a cluster node, the owner epoch that fences them (docs/cluster.md).</summary>
    public AppendConditions OutputConditions { get; init; } = AppendConditions.None;

    /// <summary>True while the driver replays <see cref="Replay"/>: those batches are journaled already.</summary>
    public bool Replaying { get; private set; }

    /// <summary>The batches to push, in order, before reading live.</summary>
    public IReadOnlyList<JournalEntry> Replay => replay;

    /// <summary>Rows still to drop before appending again.</summary>
    public long RowsToSkip => rowsToSkip;

    /// <summary>The sequence of the last journal entry recorded (durable or pending).</summary>
    public long LastSequence => nextSequence - 1;

    public void BeginReplay() => Replaying = replay.Count > 0;

    /// <summary>
    /// Ends the replay. A journaled query must by now have re-produced every row its output holds (each append
    /// followed its batches' journal entries); anything else means the journal and the output disagree.
    /// </summary>
    public void EndReplay()
    {
        Replaying = false;
        if (Journaled && rowsToSkip > 0)
        {
            throw new InvalidOperationException(
                $"Recovering query '{Query}': its output stream holds {rowsToSkip} row(s) more than replaying its input journal produces; " +
                "the output cannot be continued exactly once. Start the query again (POST /api/queries/{name}/start) to rebuild it.");
        }
    }

    /// <summary>Notes that the driver pushed input <paramref name="input"/> up to <paramref name="endOffset"/>; flushes when many wait.</summary>
    public ValueTask RecordAsync(int input, long endOffset)
    {
        if (!Journaled || Replaying)
        {
            return ValueTask.CompletedTask;
        }
        pending.Add(new JournalEntry(nextSequence++, input, endOffset));
        return pending.Count >= MaxPendingEntries ? new ValueTask(FlushAsync()) : ValueTask.CompletedTask;
    }

    /// <summary>How many of the <paramref name="produced"/> rows at the front of a batch are already in the output stream.</summary>
    public int TakeSkip(int produced)
    {
        var skip = (int)Math.Min(produced, rowsToSkip);
        rowsToSkip -= skip;
        return skip;
    }

    /// <summary>Makes the journal durable up to the last batch pushed; call before appending the rows of that batch.</summary>
    public async Task FlushAsync()
    {
        if (pending.Count == 0)
        {
            return;
        }
        // Not cancellable: a stop between the journal and the append it precedes is harmless, a half-written journal is not.
        await catalog.AppendJournalAsync(Query, pending.ToArray(), CancellationToken.None);
        pending.Clear();
    }
}
