namespace Sluice.Data.Queries;

/// <summary>A query definition as the catalog keeps it, so the query comes back after a restart.</summary>
/// <param name="Name">The query's name (and its output stream's).</param>
/// <param name="Sql">The query text as registered.</param>
/// <param name="From"><c>earliest</c> or <c>latest</c>, as registered.</param>
/// <param name="Running">True unless a user stopped it: a faulted query is tried again after a restart.</param>
/// <param name="StartOffsets">Where its current run started in each input (in the order of the compiled query's inputs).</param>
/// <param name="CreatedAt">When it was registered.</param>
/// <param name="OutputStart">The offset in its output stream where its current run's rows begin: 0 for a new output, the offset after the
/// <c>reset</c> event once the query was replaced. Rows below it belong to earlier definitions.</param>
/// <param name="BackfillUntil">Each input's head when the current run started (empty when not recorded): the run has caught up with
/// what was there once it read past these.</param>
public sealed record StoredQuery(
    string Name,
    string Sql,
    string From,
    bool Running,
    IReadOnlyList<long> StartOffsets,
    DateTimeOffset CreatedAt,
    long OutputStart = 0,
    IReadOnlyList<long>? BackfillUntil = null);

/// <summary>
/// One batch a multi-input query consumed: input <paramref name="Input"/> up to (not including) <paramref name="EndOffset"/>.
/// The journal of these, in <paramref name="Sequence"/> order, is the interleaving recovery must replay (docs/durability.md).
/// </summary>
public readonly record struct JournalEntry(long Sequence, int Input, long EndOffset);

/// <summary>
/// A query's last checkpoint: its operator state (an opaque, versioned blob the runtime writes and reads), where it stood
/// in its inputs, how many rows its output held, and the last journal entry the state includes.
/// </summary>
public sealed record StoredCheckpoint(
    string Query,
    int FormatVersion,
    IReadOnlyList<long> InputOffsets,
    long OutputHead,
    long JournalSequence,
    byte[] State,
    DateTimeOffset TakenAt);
