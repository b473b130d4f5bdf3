using System.Collections.Concurrent;
using System.Diagnostics;
using Npgsql;
using Sluice.Api.Tests.Infrastructure;

namespace Sluice.Api.Tests.Postgres;

/// <summary>
/// A throwaway PostgreSQL server for the tests: initdb into a temp dir, started with pg_ctl on a free
/// 127.0.0.1 port (as the postgres OS user when we run as root), stopped and deleted at the end.
/// It fails loudly when it cannot start: PostgreSQL tests are never skipped.
/// </summary>
public sealed class PostgresServer : IAsyncLifetime
{
    private readonly ConcurrentDictionary<string, Lazy<Task<string>>> databases = new(StringComparer.Ordinal);
    // As root the server runs as the postgres user, who must be able to reach the directory: /tmp always is.
    private readonly string root = Path.Combine(Environment.IsPrivilegedProcess ? "/tmp" : Path.GetTempPath(), "sluice-pg-" + Guid.NewGuid().ToString("N")[..12]);
    private string binDirectory = "";
    private int port;

    public string DataDirectory => Path.Combine(root, "data");

    public string AdminConnectionString => $"Host=127.0.0.1;Port={port};Database=postgres;Username=postgres;Pooling=false";

    public async Task InitializeAsync()
    {
        binDirectory = FindBinaries();
        Directory.CreateDirectory(root);
        if (Environment.IsPrivilegedProcess)
        {
            await RunAsync("chown", ["postgres:postgres", root], asOwner: false);
        }
        await RunAsync(Path.Combine(binDirectory, "initdb"), ["-D", DataDirectory, "-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-locale"]);
        await StartAsync();
    }

    /// <summary>(Re)starts the server on a free port; the port stays the same across a stop and start.</summary>
    public async Task StartAsync()
    {
        for (var attempt = 1; ; attempt++)
        {
            if (port == 0 || attempt > 1)
            {
                port = LoopbackPorts.Next();
            }
            // fsync off: a test server loses nothing that matters when the machine crashes.
            var options = $"-h 127.0.0.1 -p {port} -k {root} -c fsync=off -c full_page_writes=off -c max_connections=300";
            try
            {
                await RunAsync(Path.Combine(binDirectory, "pg_ctl"),
                    ["start", "-D", DataDirectory, "-l", Path.Combine(root, "server.log"), "-w", "-t", "60", "-o", options]);
                return;
            }
            catch (InvalidOperationException) when (attempt < 3)
            {
                // Another process may have taken the port between our probe and the server's bind.
            }
        }
    }

    public Task StopAsync() =>
        RunAsync(Path.Combine(binDirectory, "pg_ctl"), ["stop", "-D", DataDirectory, "-m", "fast", "-w", "-t", "60"]);

    /// <summary>Stops the server as a crash would: every backend killed at once, recovery from the WAL on the next start.</summary>
    public Task StopImmediatelyAsync() =>
        RunAsync(Path.Combine(binDirectory, "pg_ctl"), ["stop", "-D", DataDirectory, "-m", "immediate", "-w", "-t", "60"]);

    /// <summary>The connection string of a database of its own for <paramref name="owner"/> (one per test class), created on first use.</summary>
    public Task<string> DatabaseForAsync(string owner) =>
        databases.GetOrAdd(owner, name => new Lazy<Task<string>>(() => CreateDatabaseAsync(name))).Value;

    public async Task<string> CreateDatabaseAsync(string owner)
    {
        var name = "t_" + new string(owner.ToLowerInvariant().Where(char.IsAsciiLetterOrDigit).Take(40).ToArray()) + "_" + Guid.NewGuid().ToString("N")[..8];
        await using var connection = new NpgsqlConnection(AdminConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand($"CREATE DATABASE {name}", connection);
        await command.ExecuteNonQueryAsync();
        return $"Host=127.0.0.1;Port={port};Database={name};Username=postgres";
    }

    public async Task DisposeAsync()
    {
        NpgsqlConnection.ClearAllPools();
        if (File.Exists(Path.Combine(DataDirectory, "postmaster.pid")))
        {
            await RunAsync(Path.Combine(binDirectory, "pg_ctl"), ["stop", "-D", DataDirectory, "-m", "immediate", "-w", "-t", "60"]);
        }
        Directory.Delete(root, recursive: true);
    }

    private static string FindBinaries()
    {
        var candidates = Directory.Exists("/usr/lib/postgresql")
            ? Directory.GetDirectories("/usr/lib/postgresql")
                .Select(d => Path.Combine(d, "bin"))
                .Where(d => File.Exists(Path.Combine(d, "pg_ctl")))
                .OrderByDescending(d => int.TryParse(Path.GetFileName(Path.GetDirectoryName(d)), out var v) ? v : 0)
                .ToList()
            : [];
        return candidates.FirstOrDefault() ?? throw new InvalidOperationException(
            "No PostgreSQL server binaries under /usr/lib/postgresql/*/bin. Run scripts/setup-postgres.sh (apt-get install postgresql).");
    }

    private async Task RunAsync(string program, IReadOnlyList<string> arguments, bool asOwner = true)
    {
        var start = new ProcessStartInfo { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        // PostgreSQL refuses to run as root.
        if (asOwner && Environment.IsPrivilegedProcess)
        {
            start.FileName = "runuser";
            foreach (var a in new[] { "-u", "postgres", "--", program })
            {
                start.ArgumentList.Add(a);
            }
        }
        else
        {
            start.FileName = program;
        }
        foreach (var a in arguments)
        {
            start.ArgumentList.Add(a);
        }
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"Could not start {program}.");
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(90));
        await process.WaitForExitAsync(timeout.Token);
        if (process.ExitCode != 0)
        {
            var log = Path.Combine(root, "server.log");
            throw new InvalidOperationException(
                $"The test PostgreSQL server could not be set up: '{program} {string.Join(' ', arguments)}' exited with {process.ExitCode}.\n" +
                $"{await output}\n{await error}\n{(File.Exists(log) ? File.ReadAllText(log) : "")}");
        }
    }
}

[CollectionDefinition(Name)]
public sealed class PostgresCollection : ICollectionFixture<PostgresServer>
{
    public const string Name = "PostgreSQL";
}
