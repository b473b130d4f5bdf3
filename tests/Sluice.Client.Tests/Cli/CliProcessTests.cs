using System.Diagnostics;
using Sluice.Client.Tests.Infrastructure;

namespace Sluice.Client.Tests.Cli;

/// <summary>The built tool as a user runs it: its own process, real stdin, stdout, stderr and exit code.</summary>
public sealed class CliProcessTests(SluiceServer server) : IClassFixture<SluiceServer>
{
    [Fact]
    public async Task The_built_tool_creates_posts_from_stdin_and_tails_against_the_service()
    {
        var created = await SluiceAsync("", "streams", "create", "proc_stream", "--capacity", "50");
        Assert.True(created.ExitCode == 0, created.ToString());
        Assert.Contains("proc_stream", created.Output, StringComparison.Ordinal);

        var posted = await SluiceAsync("{\"n\":1}\n{\"n\":2}\n{\"n\":3}\n", "post", "proc_stream", "-");
        Assert.True(posted.ExitCode == 0, posted.ToString());
        Assert.Contains("Posted 3 events to 'proc_stream' in 1 batch (offsets 0–2).", posted.Output, StringComparison.Ordinal);

        var tailed = await SluiceAsync("", "tail", "proc_stream", "--from", "1", "-n", "2", "--json");
        Assert.True(tailed.ExitCode == 0, tailed.ToString());
        Assert.Equal(2, tailed.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length);
        Assert.StartsWith("{\"offset\":1,", tailed.Output, StringComparison.Ordinal);

        var missing = await SluiceAsync("", "streams", "describe", "proc_missing");
        Assert.Equal(1, missing.ExitCode);
        Assert.Equal("error: 404 Not Found: There is no stream named 'proc_missing'.", missing.Error.Trim());
    }

    private async Task<CliResult> SluiceAsync(string stdin, params string[] args)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "sluice.dll"));
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }
        start.Environment["SLUICE_URL"] = server.BaseAddress.ToString();
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        await process.StandardInput.WriteAsync(stdin);
        process.StandardInput.Close();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(120));
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw;
        }
        return new CliResult(process.ExitCode, await output, await error);
    }
}
