using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Reflection;
using System.Text;

namespace Sluice.Browser.Tests;

/// <summary>
/// The real service, built by this solution, run as a child process on Kestrel at 127.0.0.1 on a
/// free port, fully in memory. Shared by the browser scenarios; stopped when the tests end.
/// </summary>
public class ServiceProcess : IAsyncLifetime
{
    private readonly StringBuilder log = new();
    private readonly TaskCompletionSource listening = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private Process? process;

    public string BaseUrl { get; private set; } = "";

    public static string RepositoryRoot { get; } = FindRepositoryRoot();

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

    public async Task InitializeAsync()
    {
        var configuration = typeof(ServiceProcess).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
            .Single(a => a.Key == "ApiConfiguration").Value!;
        var output = Path.Combine(RepositoryRoot, "src", "Api", "bin", configuration, "net10.0");
        var dll = Path.Combine(output, "Sluice.Api.dll");
        Assert.True(File.Exists(dll), $"the API is not built at {dll}");
        var port = FreePort();
        BaseUrl = $"http://127.0.0.1:{port}";
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
        start.Environment["ConnectionStrings__Postgres"] = "";
        start.Environment["ASPNETCORE_ENVIRONMENT"] = "Production";
        Configure(start.Environment);
        process = Process.Start(start)!;
        process.OutputDataReceived += (_, e) => Append(e.Data);
        process.ErrorDataReceived += (_, e) => Append(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();

        // Wait for Kestrel's "listening" line or the process's exit, whichever comes first, for at most a minute.
        var exited = process.WaitForExitAsync();
        var first = await Task.WhenAny(listening.Task, exited).WaitAsync(TimeSpan.FromSeconds(60));
        Assert.True(first == listening.Task, $"the service exited with {(process.HasExited ? process.ExitCode : 0)} before listening:\n{Log}");
        using var client = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        using var response = await client.GetAsync($"{BaseUrl}/health/live");
        Assert.True(response.IsSuccessStatusCode, $"the service is listening but not live ({(int)response.StatusCode}):\n{Log}");
    }

    public async Task DisposeAsync()
    {
        if (process is { HasExited: false })
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
        }
        process?.Dispose();
    }

    /// <summary>Settings of a variant of the service (environment variables, <c>__</c> for <c>:</c>).</summary>
    protected virtual void Configure(IDictionary<string, string?> environment)
    {
    }

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
        // Kestrel logs this once its socket is bound: the signal that requests can be sent.
        if (line.Contains("Now listening on", StringComparison.Ordinal))
        {
            listening.TrySetResult();
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static string FindRepositoryRoot()
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "Api.sln")))
        {
            directory = directory.Parent;
        }
        return directory?.FullName ?? throw new InvalidOperationException("Api.sln not found above " + AppContext.BaseDirectory);
    }
}
