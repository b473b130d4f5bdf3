namespace Sluice.Reactive.Runtime;

/// <summary>Limits of the query runtime (configuration section <c>Sluice:Queries</c>).</summary>
public sealed class QueryOptions
{
    public const string Section = "Sluice:Queries";

    /// <summary>Events read from one input per step; a multi-input query reads its inputs in turn, one batch each.</summary>
    public int BatchSize { get; set; } = 1024;

    /// <summary>How often a durable query checkpoints (docs/durability.md); zero turns checkpoints off. Also taken on a graceful stop.</summary>
    public TimeSpan CheckpointInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Most events a preview request may carry, over all its streams; more is a 400.</summary>
    public int MaxPreviewEvents { get; set; } = 10_000;

    /// <summary>A preview stops once the query emitted this many rows and says the answer is truncated.</summary>
    public int MaxPreviewRows { get; set; } = 10_000;

    /// <summary>
    /// False (default): an expression failing on one row yields NULL and is counted in the query's <c>rowErrors</c>.
    /// True: such a row faults the query (SPEC §4).
    /// </summary>
    public bool StrictErrors { get; set; }

    /// <summary>Largest <c>limit</c> the results endpoint accepts.</summary>
    public int MaxResultRows { get; set; } = 100_000;
}
