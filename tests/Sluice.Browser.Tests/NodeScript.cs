using System.Diagnostics;
using System.Text;

namespace Sluice.Browser.Tests;

/// <summary>Runs one script of tests/browser with node against the service and reports its output.</summary>
public static class NodeScript
{
    public static async Task<(int ExitCode, string Output)> RunAsync(string script, string baseUrl, TimeSpan timeout)
    {
        var directory = Path.Combine(ServiceProcess.RepositoryRoot, "tests", "browser");
        Assert.True(Directory.Exists(Path.Combine(directory, "node_modules")),
            "tests/browser/node_modules is missing: run scripts/setup-browser.sh (npm ci)");
        var start = new ProcessStartInfo("node")
        {
            WorkingDirectory = directory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(script);
        start.ArgumentList.Add(baseUrl);
        var output = new StringBuilder();
        using var process = Process.Start(start)!;
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) { lock (output) { output.AppendLine(e.Data); } } };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) { lock (output) { output.AppendLine(e.Data); } } };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        using var cancel = new CancellationTokenSource(timeout);
        try
        {
            await process.WaitForExitAsync(cancel.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
            lock (output)
            {
                return (-1, $"{script} did not finish within {timeout}:\n{output}");
            }
        }
        process.WaitForExit(); // drains the redirected output
        lock (output)
        {
            return (process.ExitCode, output.ToString());
        }
    }
}
