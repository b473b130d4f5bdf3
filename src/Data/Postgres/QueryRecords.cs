namespace Sluice.Data.Postgres;

/// <summary>One row of the <c>queries</c> table: a registered query's definition and whether it runs.</summary>
public sealed class QueryRecord
{
    public required string Name { get; set; }

    public required string Sql { get; set; }

    /// <summary><c>earliest</c> or <c>latest</c>.</summary>
    public required string StartFrom { get; set; }

    /// <summary><c>running</c> or <c>stopped</c>.</summary>
    public required string State { get; set; }

    public required long[] StartOffsets { get; set; }

    public DateTimeOffset CreatedAt { get; set; }

    /// <summary>Where the current run's rows begin in the output stream (after the last <c>reset</c>); migration <c>AddQueryReplace</c>.</summary>
    public long OutputStart { get; set; }

    /// <summary>Each input's head when the current run started; null when not recorded.</summary>
    public long[]? BackfillUntil { get; set; }
}

/// <summary>One row of the <c>query_checkpoints</c> table: a query's last checkpoint (one per query, replaced each time).</summary>
public sealed class QueryCheckpointRecord
{
    public required string Query { get; set; }

    public int FormatVersion { get; set; }

    public required long[] InputOffsets { get; set; }

    public long OutputHead { get; set; }

    public long JournalSequence { get; set; }

    public required byte[] State { get; set; }

    public DateTimeOffset TakenAt { get; set; }
}

/// <summary>One row of the <c>query_journal</c> table: a batch a multi-input query consumed, in order.</summary>
public sealed class QueryJournalRecord
{
    public required string Query { get; set; }

    public long Sequence { get; set; }

    public int Input { get; set; }

    public long EndOffset { get; set; }
}
