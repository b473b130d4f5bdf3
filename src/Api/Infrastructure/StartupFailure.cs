using System.Net.Sockets;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Connections;
using Npgsql;

namespace Sluice.Api.Infrastructure;

/// <summary>
/// Turns the exception that stopped the service from starting into one line saying what went wrong and how to fix
/// it, for the failures a new user meets first: PostgreSQL not reachable or refusing the login, the listen address
/// taken. Anything else keeps its exception text, since nothing better can be said about it.
/// </summary>
public static partial class StartupFailure
{
    public static string Describe(Exception error, string? postgresConnectionString)
    {
        var chain = Chain(error).ToList();
        if (chain.OfType<AddressInUseException>().FirstOrDefault() is { } inUse)
        {
            var url = chain.Select(e => BindFailure().Match(e.Message)).FirstOrDefault(m => m.Success)?.Groups["url"].Value;
            return $"Sluice cannot listen on {url ?? "its address"}: the address is already in use. " +
                   "Stop whatever listens there, or choose another address with --urls (e.g. --urls http://localhost:5001).";
        }
        if (chain.OfType<PostgresException>().FirstOrDefault() is { } refused)
        {
            return $"Sluice cannot use PostgreSQL at {PostgresAddress(postgresConnectionString)}: {refused.MessageText} ({refused.SqlState}). " +
                   "Fix ConnectionStrings:Postgres, or leave it empty to keep streams in memory.";
        }
        if (chain.Any(e => e is NpgsqlException or SocketException) && postgresConnectionString is { Length: > 0 })
        {
            var reason = chain.OfType<SocketException>().FirstOrDefault()?.Message ?? chain.OfType<NpgsqlException>().Last().Message;
            return $"Sluice cannot reach PostgreSQL at {PostgresAddress(postgresConnectionString)}: {reason.TrimEnd('.')}. " +
                   "Start PostgreSQL there or fix ConnectionStrings:Postgres (leave it empty to keep streams in memory).";
        }
        // Sluice's own refusals (e.g. another service already owns the streams) are written for the reader: the message is enough.
        if (chain.FirstOrDefault() is InvalidOperationException { InnerException: null } refusal)
        {
            return $"Sluice could not start: {refusal.Message}";
        }
        return $"Sluice could not start: {error}";
    }

    /// <summary><c>host:port/database</c> from the connection string, without its password.</summary>
    public static string PostgresAddress(string? connectionString)
    {
        try
        {
            var settings = new NpgsqlConnectionStringBuilder(connectionString);
            return $"{settings.Host ?? "localhost"}:{settings.Port}/{settings.Database ?? settings.Username}";
        }
        catch (ArgumentException)
        {
            return "(an unreadable connection string)";
        }
    }

    private static IEnumerable<Exception> Chain(Exception error)
    {
        for (Exception? e = error; e is not null; e = e.InnerException)
        {
            if (e is AggregateException aggregate)
            {
                foreach (var inner in aggregate.InnerExceptions.SelectMany(Chain))
                {
                    yield return inner;
                }
                yield break;
            }
            yield return e;
        }
    }

    // Kestrel: "Failed to bind to address http://127.0.0.1:5000: address already in use."
    [GeneratedRegex(@"Failed to bind to address (?<url>\S+): ")]
    private static partial Regex BindFailure();
}
