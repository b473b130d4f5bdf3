using Npgsql;

namespace Sluice.Data.Postgres;

/// <summary>
/// Makes this service the only one writing the database's streams: offsets come from an in-memory
/// head under an in-process lock, so a second service appending to the same tables would hand out
/// the same offsets. A session-level advisory lock, held on a connection of its own for the life of
/// the service, turns that into a clear start-up error instead.
/// </summary>
public sealed class StreamOwnership(string connectionString) : IAsyncDisposable
{
    // Any fixed 64-bit key; "sluice" in ASCII.
    private const long LockKey = 0x736C_7569_6365;

    // A predecessor that just stopped may hold the lock until its backend notices the closed connection.
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(3);

    private NpgsqlConnection? connection;

    public async Task AcquireAsync(CancellationToken cancellationToken)
    {
        // Unpooled: closing it must end the session, and with it the lock.
        var builder = new NpgsqlConnectionStringBuilder(connectionString) { Pooling = false };
        var owner = new NpgsqlConnection(builder.ConnectionString);
        await owner.OpenAsync(cancellationToken);
        await using var command = new NpgsqlCommand("SELECT pg_try_advisory_lock($1)", owner);
        command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = LockKey });
        var deadline = DateTime.UtcNow + Patience;
        bool acquired;
        while (!(acquired = (bool)(await command.ExecuteScalarAsync(cancellationToken))!) && DateTime.UtcNow < deadline)
        {
            await Task.Delay(TimeSpan.FromMilliseconds(100), cancellationToken);
        }
        if (!acquired)
        {
            await owner.DisposeAsync();
            throw new InvalidOperationException(
                $"Another Sluice service already owns the streams in database '{builder.Database}' on {builder.Host}:{builder.Port}. " +
                "One service per database: stop the other one, or give this one its own database.");
        }
        connection = owner;
    }

    public async ValueTask DisposeAsync()
    {
        if (connection is null)
        {
            return;
        }
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
        await connection.DisposeAsync();
        connection = null;
    }
}
