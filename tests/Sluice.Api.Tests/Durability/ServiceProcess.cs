using System.Diagnostics;
using System.Text;
using Sluice.Api.Tests.Infrastructure;

namespace Sluice.Api.Tests.Durability;

/// <summary>
/// The real service as a child process: the API built by this solution in this test's configuration, on Kestrel at
/// 127.0.0.1, against a given PostgreSQL database. It can be killed with SIGKILL and started again on the same port.
/// </summary>
/// <param name="postgresConnectionString">The database.</param>
/// <param name="settings">More configuration, as environment variables (<c>Queries__CheckpointInterval</c>).</param>
internal sealed class ServiceProcess(string postgresConnectionString, IReadOnlyDictionary<string, string>? settings = null) : IAsyncDisposable
{
#if DEBUG
    private const string Configuration = "Debug";
#else
    private const string Configuration = "Release";
#endif

    private readonly StringBuilder log = new();
    private readonly int port = LoopbackPorts.Next();
    private Process? process;
    private TaskCompletionSource listening = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public string BaseUrl => $"http://127.0.0.1:{port}";

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

    public async Task StartAsync()
    {
        var output = Path.Combine(RepoPaths.Root, "src", "Api", "bin", Configuration, "net10.0");
        var dll = Path.Combine(output, "Sluice.Api.dll");
        Assert.True(File.Exists(dll), $"the API is not built at {dll}");
        listening = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var start = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = output,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(dll);
        start.ArgumentList.Add("--urls");
        start.ArgumentList.Add(BaseUrl);
        start.Environment["ConnectionStrings__Postgres"] = postgresConnectionString;
        start.Environment["ASPNETCORE_ENVIRONMENT"] = "Production";
        start.Environment["Logging__LogLevel__Sluice"] = "Information";
        foreach (var (name, value) in settings ?? new Dictionary<string, string>())
        {
            start.Environment[name] = value;
        }
        var started = Process.Start(start)!;
        started.OutputDataReceived += (_, e) => Append(e.Data);
        started.ErrorDataReceived += (_, e) => Append(e.Data);
        started.BeginOutputReadLine();
        started.BeginErrorReadLine();
        process = started;

        var exited = started.WaitForExitAsync();
        var first = await Task.WhenAny(listening.Task, exited).WaitAsync(TimeSpan.FromSeconds(120));
        Assert.True(first == listening.Task, $"the service exited with {(started.HasExited ? started.ExitCode : 0)} before listening:\n{RecentLog}");
    }

    /// <summary>SIGKILL: the process gets no chance to flush, checkpoint or answer.</summary>
    public async Task KillAsync()
    {
        if (process is { HasExited: false } running)
        {
            running.Kill(entireProcessTree: true);
            await running.WaitForExitAsync();
        }
        process?.Dispose();
        process = null;
        Append("---- SIGKILL ----");
    }

    public async ValueTask DisposeAsync() => await KillAsync();

    private void Append(string? line)
    {
        if (line is null)
        {
            return;
        }
        lock (log)
        {
            log.AppendLine(line);
        }
        if (line.Contains("Now listening on", StringComparison.Ordinal))
        {
            listening.TrySetResult();
        }
    }
}
