using Npgsql;

namespace Sluice.Data.Postgres;

/// <summary>
/// Deletes idempotency keys older than the window, a few times per window (at least hourly). Expiry itself
/// does not wait for this: an append treats an expired key as unknown whether or not it has been deleted yet.
/// Runs on the <see cref="TimeProvider"/>, so tests drive it with a fake clock. A cluster node (no single-owner guard,
/// <c>ownership</c> null) prunes too: deleting expired keys is harmless whichever node does it.
/// </summary>
internal sealed class AppendKeyPruner : IDisposable
{
    private readonly NpgsqlDataSource dataSource;
    private readonly StreamOwnership? ownership;
    private readonly ITimer timer;
    private int running;

    public AppendKeyPruner(NpgsqlDataSource dataSource, TimeProvider time, TimeSpan window, StreamOwnership? ownership)
    {
        this.dataSource = dataSource;
        this.ownership = ownership;
        var period = TimeSpan.FromTicks(Math.Clamp(window.Ticks / 4, TimeSpan.FromSeconds(1).Ticks, TimeSpan.FromHours(1).Ticks));
        // The cut-off is taken when the tick fires, not when the delete gets to run.
        timer = time.CreateTimer(_ => _ = PruneAsync(time.GetUtcNow() - window), null, period, period);
    }

    internal async Task PruneAsync(DateTimeOffset expiredAtOrBefore)
    {
        // One at a time; a tick that finds one running is skipped (the next one catches up).
        if ((ownership is not null && ownership.State != OwnershipState.Held) || Interlocked.Exchange(ref running, 1) == 1)
        {
            return;
        }
        try
        {
            await AppendKeyTable.PruneAsync(dataSource, expiredAtOrBefore, CancellationToken.None);
        }
        catch (Exception ex) when (PostgresFailures.IsUnavailable(ex) || ex is NpgsqlException)
        {
            // PostgreSQL is away: the next tick tries again.
        }
        finally
        {
            Volatile.Write(ref running, 0);
        }
    }

    public void Dispose() => timer.Dispose();
}
