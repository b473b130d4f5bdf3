namespace Sluice.Data.Postgres;

/// <summary>How a postgres stream writes its groups of appends (<c>Streams:PostgresGroupsInFlight</c>).</summary>
public sealed class PostgresAppendOptions
{
    public const int DefaultGroupsInFlight = 1;

    public const int MaxGroupsInFlight = 8;

    /// <summary>
    /// Groups between planning and commit at once (<see cref="CommitPipeline"/>). With one, the next group is planned
    /// when the previous one has committed, so it takes in every request that queued meanwhile; with more, a group COPYs
    /// while the earlier ones wait for their WAL flush. One measured about a quarter less PostgreSQL CPU per event than
    /// three, and no more in the service: a single backend then does every COPY (docs/benchmarks.md, "PostgreSQL ingest: one
    /// group in flight").
    /// </summary>
    public int GroupsInFlight { get; init; } = DefaultGroupsInFlight;
}
