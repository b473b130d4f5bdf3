using Npgsql;
using Sluice.Data.Streams;

namespace Sluice.Data.Postgres;

/// <summary>Where this service stands with the database's ownership guard.</summary>
public enum OwnershipState
{
    /// <summary>Not taken yet (start-up) or released (shutdown).</summary>
    NotHeld,

    Held,

    /// <summary>The guard's session ended (PostgreSQL restarted or the connection broke); taking it again.</summary>
    Retaking,

    /// <summary>Another service took the guard while this one was away: this one no longer writes.</summary>
    Lost,
}

/// <summary>
/// Makes this service the only one writing the database's streams: offsets come from an in-memory
/// head under an in-process lock, so a second service appending to the same tables would hand out
/// the same offsets. A session-level advisory lock, held on a connection of its own for the life of
/// the service, turns that into a clear start-up error instead.
/// <para>
/// The lock lives as long as its session, so a PostgreSQL restart frees it. A watcher keeps a read pending
/// on the guard's connection, so it learns at once when the session ends; from then until the lock is taken
/// again, <see cref="ThrowIfNotHeld"/> stops every write. If another service took the lock in between,
/// this one stays <see cref="OwnershipState.Lost"/>: it never writes again and reports unhealthy.
/// </para>
/// </summary>
public sealed class StreamOwnership(string connectionString) : IAsyncDisposable
{
    // Any fixed 64-bit key; "sluice" in ASCII.
    private const long LockKey = 0x736C_7569_6365;

    // A predecessor that just stopped may hold the lock until its backend notices the closed connection.
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(3);

    // How often the watcher probes an idle guard connection (a silently dropped network would otherwise go unnoticed).
    private static readonly TimeSpan ProbeInterval = TimeSpan.FromSeconds(2);

    // How often it tries to take the lock again while PostgreSQL is away.
    private static readonly TimeSpan RetakeInterval = TimeSpan.FromMilliseconds(200);

    // Names this instance's guard session, so a lingering session of our own can be told from another service's.
    private readonly string applicationName = "sluice-owner-" + Guid.NewGuid().ToString("N")[..12];
    private readonly CancellationTokenSource stopping = new();
    private NpgsqlConnection? connection;
    private Task? watcher;
    private volatile OwnershipState state;
    private long epoch;

    public OwnershipState State => state;

    /// <summary>Goes up each time the lock is taken; a log whose head was read in an older epoch reads it again.</summary>
    public long Epoch => Interlocked.Read(ref epoch);

    /// <summary>Throws <see cref="StorageUnavailableException"/> unless this service holds the guard right now.</summary>
    public void ThrowIfNotHeld()
    {
        switch (state)
        {
            case OwnershipState.Held:
                return;
            case OwnershipState.Lost:
                throw new StorageUnavailableException(
                    "Another Sluice service took over the streams of this database while PostgreSQL was away; this one no longer writes. Stop one of them.");
            default:
                throw new StorageUnavailableException("PostgreSQL is unreachable or restarting; this service writes again once it has reconnected.");
        }
    }

    public async Task AcquireAsync(CancellationToken cancellationToken)
    {
        var deadline = DateTime.UtcNow + Patience;
        while (true)
        {
            var owner = await TryTakeAsync(cancellationToken);
            if (owner is not null)
            {
                connection = owner;
                Interlocked.Increment(ref epoch);
                state = OwnershipState.Held;
                watcher = Task.Run(() => WatchAsync(stopping.Token), CancellationToken.None);
                return;
            }
            if (DateTime.UtcNow >= deadline)
            {
                var builder = new NpgsqlConnectionStringBuilder(connectionString);
                throw new InvalidOperationException(
                    $"Another Sluice service already owns the streams in database '{builder.Database}' on {builder.Host}:{builder.Port}. " +
                    "One service per database: stop the other one, or give this one its own database.");
            }
            await Task.Delay(TimeSpan.FromMilliseconds(100), cancellationToken);
        }
    }

    /// <summary>Opens a guard session and tries the lock once; the open connection when taken, null when another session holds it.</summary>
    private async Task<NpgsqlConnection?> TryTakeAsync(CancellationToken cancellationToken)
    {
        // Unpooled: closing it must end the session, and with it the lock.
        var builder = new NpgsqlConnectionStringBuilder(connectionString) { Pooling = false, ApplicationName = applicationName };
        var owner = new NpgsqlConnection(builder.ConnectionString);
        try
        {
            await owner.OpenAsync(cancellationToken);
            if (await TryLockAsync(owner, cancellationToken))
            {
                return owner;
            }
            // A session of our own that has not noticed its connection broke still holds it: end that session and try again.
            if (await EndOwnStaleSessionsAsync(owner, cancellationToken) && await TryLockAsync(owner, cancellationToken))
            {
                return owner;
            }
            await owner.DisposeAsync();
            return null;
        }
        catch
        {
            await owner.DisposeAsync();
            throw;
        }
    }

    private static async Task<bool> TryLockAsync(NpgsqlConnection owner, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand("SELECT pg_try_advisory_lock($1)", owner);
        command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = LockKey });
        return (bool)(await command.ExecuteScalarAsync(cancellationToken))!;
    }

    private async Task<bool> EndOwnStaleSessionsAsync(NpgsqlConnection owner, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(
            "SELECT count(*) FILTER (WHERE pg_terminate_backend(pid)) FROM pg_stat_activity WHERE application_name = $1 AND pid <> pg_backend_pid()", owner);
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = applicationName });
        if ((long)(await command.ExecuteScalarAsync(cancellationToken))! == 0)
        {
            return false;
        }
        // pg_terminate_backend only signals; the lock goes when that backend has exited.
        await Task.Delay(TimeSpan.FromMilliseconds(100), cancellationToken);
        return true;
    }

    private async Task WatchAsync(CancellationToken stop)
    {
        while (!stop.IsCancellationRequested)
        {
            try
            {
                // A pending read returns as soon as the server closes the session; on a quiet connection, probe it now and then.
                if (!await connection!.WaitAsync(ProbeInterval, stop))
                {
                    await using var probe = new NpgsqlCommand("SELECT 1", connection);
                    await probe.ExecuteScalarAsync(stop);
                }
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex) when (ex is NpgsqlException or IOException or InvalidOperationException or TimeoutException)
            {
                state = OwnershipState.Retaking;
                await connection!.DisposeAsync();
                connection = null;
                if (!await RetakeAsync(stop))
                {
                    return;
                }
            }
        }
    }

    /// <summary>Takes the lock again once PostgreSQL answers; false when another service has it (or we are stopping).</summary>
    private async Task<bool> RetakeAsync(CancellationToken stop)
    {
        while (!stop.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(RetakeInterval, stop);
                var owner = await TryTakeAsync(stop);
                if (owner is null)
                {
                    state = OwnershipState.Lost;
                    return false;
                }
                connection = owner;
                Interlocked.Increment(ref epoch);
                state = OwnershipState.Held;
                return true;
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
                return false;
            }
            catch (Exception ex) when (ex is NpgsqlException or IOException or TimeoutException)
            {
                // Still unreachable: try again.
            }
        }
        return false;
    }

    public async ValueTask DisposeAsync()
    {
        await stopping.CancelAsync();
        if (watcher is not null)
        {
            await watcher;
        }
        var held = state == OwnershipState.Held;
        state = OwnershipState.NotHeld;
        if (connection is null)
        {
            return;
        }
        if (held)
        {
            try
            {
                // Released explicitly so a successor can take it at once; closing alone frees it only when the backend exits.
                await using var command = new NpgsqlCommand("SELECT pg_advisory_unlock($1)", connection);
                command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = LockKey });
                await command.ExecuteScalarAsync();
            }
            catch (Exception ex) when (ex is NpgsqlException or InvalidOperationException)
            {
                // The server or the connection is gone, and the lock with it.
            }
        }
        await connection.DisposeAsync();
        connection = null;
        stopping.Dispose();
    }
}
