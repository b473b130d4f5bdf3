using System.Diagnostics;
using System.Reflection;
using System.Text;

namespace Sluice.Api.Tests.Infrastructure;

/// <summary>
/// The real service (the build of src/Api in this configuration) as a child process on 127.0.0.1, for tests that
/// kill it with SIGKILL, pull PostgreSQL from under it or drive it from a browser. Each <see cref="StartAsync"/> starts
/// a fresh process on the same port; <see cref="KillAsync"/> is a SIGKILL: no shutdown code runs.
/// </summary>
public sealed class ServiceProcess(string postgresConnectionString, IDictionary<string, string>? settings = null) : IAsyncDisposable
{
    private readonly StringBuilder log = new();
    private Process? process;

    public int Port { get; } = LoopbackPorts.Next();

    public string BaseUrl => $"http://127.0.0.1:{Port}";

    public Process? Current => process;

    public string Log
    {
        get
        {
            lock (log)
            {
                return log.ToString();
            }
        }
    }

    /// <summary>The last lines the service wrote, for failure messages.</summary>
    public string RecentLog
    {
        get
        {
            lock (log)
            {
                return log.Length > 6000 ? log.ToString(log.Length - 6000, 6000) : log.ToString();
            }
        }
    }

    public static string ApiDirectory { get; } = FindApiDirectory();

    /// <summary>Starts the service; returns once Kestrel listens (true) or the process exited first (false).</summary>
    public async Task<bool> StartAsync(TimeSpan? timeout = null)
    {
        var listening = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var start = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = ApiDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(Path.Combine(ApiDirectory, "Sluice.Api.dll"));
        start.ArgumentList.Add("--urls");
        start.ArgumentList.Add(BaseUrl);
        start.Environment["ConnectionStrings__Postgres"] = postgresConnectionString;
        start.Environment["ASPNETCORE_ENVIRONMENT"] = "Production";
        foreach (var (key, value) in settings ?? new Dictionary<string, string>())
        {
            start.Environment[key.Replace(":", "__", StringComparison.Ordinal)] = value;
        }
        var started = Process.Start(start)!;
        process = started;
        void Append(string? line)
        {
            if (line is null)
            {
                return;
            }
            lock (log)
            {
                log.AppendLine(line);
            }
            // Kestrel logs this once its socket is bound, after the hosted services (ownership, catalog) started.
            if (line.Contains("Now listening on", StringComparison.Ordinal))
            {
                listening.TrySetResult();
            }
        }
        started.OutputDataReceived += (_, e) => Append(e.Data);
        started.ErrorDataReceived += (_, e) => Append(e.Data);
        started.BeginOutputReadLine();
        started.BeginErrorReadLine();
        var first = await Task.WhenAny(listening.Task, started.WaitForExitAsync()).WaitAsync(timeout ?? TimeSpan.FromSeconds(60));
        return first == listening.Task;
    }

    /// <summary>Starts the service and fails the test, with the end of its log, unless Kestrel listens before it exits.</summary>
    public async Task StartListeningAsync(TimeSpan? timeout = null)
    {
        if (!await StartAsync(timeout))
        {
            // Only now: the message reads the exit code, which a running process does not have.
            Assert.Fail($"the service exited with {process?.ExitCode} before listening:\n{RecentLog}");
        }
    }

    /// <summary>SIGKILL: the process ends at once, whatever it was doing.</summary>
    public async Task KillAsync()
    {
        if (process is { HasExited: false })
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
        }
    }

    public async ValueTask DisposeAsync()
    {
        await KillAsync();
        process?.Dispose();
    }

    private static string FindApiDirectory()
    {
        var configuration = typeof(ServiceProcess).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
            .Single(a => a.Key == "ApiConfiguration").Value!;
        var output = Path.Combine(RepoPaths.Root, "src", "Api", "bin", configuration, "net10.0");
        Assert.True(File.Exists(Path.Combine(output, "Sluice.Api.dll")), $"the API is not built at {output}");
        return output;
    }
}
