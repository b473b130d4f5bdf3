using System.Net.Sockets;
using Npgsql;
using Sluice.Data.Streams;

namespace Sluice.Data.Postgres;

/// <summary>Tells "PostgreSQL cannot be reached (try again later)" apart from errors that retrying will not fix.</summary>
public static class PostgresFailures
{
    /// <summary>
    /// True when <paramref name="error"/> (or an exception it wraps, as EF Core and Npgsql do) says the database is
    /// unreachable or restarting: a broken or refused connection, a timeout, or a server shutting down or starting up.
    /// </summary>
    public static bool IsUnavailable(Exception? error)
    {
        for (var e = error; e is not null; e = e.InnerException)
        {
            switch (e)
            {
                case StorageUnavailableException:
                    return true;
                case PostgresException postgres:
                    // Class 08: connection exception; 53: insufficient resources; 57P: operator intervention (shutdown, starting up).
                    return postgres.SqlState.StartsWith("08", StringComparison.Ordinal)
                        || postgres.SqlState.StartsWith("53", StringComparison.Ordinal)
                        || postgres.SqlState.StartsWith("57P", StringComparison.Ordinal);
                case NpgsqlException { IsTransient: true }:
                case SocketException:
                case TimeoutException:
                case IOException:
                    return true;
            }
        }
        return false;
    }
}
