
namespace Sluice.Reactive.Runtime;

/// <summary>Where a query starts reading its inputs.</summary>
public enum StartFrom
{
    /// <summary>From each input's first retained offset, so the output is complete (the default).</summary>
    Earliest,

    /// <summary>From each input's head when the query starts: only events appended afterwards.</summary>
    Latest,
}

/// <summary>A query in the registry: what was registered, and its current (or last) run.</summary>
public sealed class RegisteredQuery(string name, CompiledQuery compiled, StartFrom from, DateTimeOffset createdAt)
{
    private volatile QueryRun? run;

    public string Name { get; } = name;

    public CompiledQuery Compiled { get; } = compiled;

    public StartFrom From { get; } = from;

    public DateTimeOffset CreatedAt { get; } = createdAt;

    public DateTimeOffset? StartedAt { get; set; }

    /// <summary>True when its current (or last) run survives a restart exactly where it stands: PostgreSQL inputs and output (docs/durability.md).</summary>
    public bool Durable { get; set; }

    /// <summary>Why <see cref="Durable"/> is false, in words for the user; null when it is true.</summary>
    public string? NotDurableReason { get; set; }

    /// <summary>Where this definition's rows begin in the output stream: 0, or the offset after the <c>reset</c> event of a replace.</summary>
    public long OutputStart { get; set; }

    /// <summary>The input history the current run rebuilds its output from; null when not known (a run resumed from an older catalog).</summary>
    public QueryBackfill? Backfill { get; set; }

    /// <summary>The distinct input streams, in the order the query first names them.</summary>
    public IReadOnlyList<string> InputStreams { get; } = compiled.Inputs.Select(i => i.Stream).Distinct(StringComparer.Ordinal).ToArray();

    /// <summary>The run in progress, or the last one (its metrics stay readable after stop or fault); null before the first start.</summary>
    public QueryRun? Run
    {
        get => run;
        set => run = value;
    }

    /// <summary>Why the query could not be resumed at start-up (it then shows as faulted); null otherwise.</summary>
    public string? RecoveryError { get; set; }

    /// <summary>Cluster node: true when the query should be running and its grain runs it on another node (docs/cluster.md).</summary>
    public bool RunningElsewhere { get; set; }

    public QueryState State =>
        RunningElsewhere && Run is not { State: QueryState.Running } ? QueryState.Running
        : Run?.State ?? (RecoveryError is null ? QueryState.Stopped : QueryState.Faulted);

    public bool Reads(string stream) => InputStreams.Contains(stream, StringComparer.Ordinal);
}
