using System.Text;
using Sluice.Cli;
using Spectre.Console;

namespace Sluice.Client.Tests.Cli;

/// <summary>Runs the <c>sluice</c> entry point in-process with its console captured: what a terminal would show, stderr apart.</summary>
internal static class CliRunner
{
    public static async Task<CliResult> RunAsync(Uri? url, string stdin, IDictionary<string, string>? environment, string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        var ui = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Ansi = AnsiSupport.No,
            ColorSystem = ColorSystemSupport.NoColors,
            Interactive = InteractionSupport.No,
            Out = new AnsiConsoleOutput(output),
        });
        ui.Profile.Width = 250;
        var console = new CliConsole(ui, output, error, () => new MemoryStream(Encoding.UTF8.GetBytes(stdin)), name => environment?.TryGetValue(name, out var value) == true ? value : null);
        string[] all = url is null ? args : [.. args, "--url", url.ToString()];
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var code = await SluiceCommandLine.RunAsync(all, console, timeout.Token);
        return new CliResult(code, output.ToString(), error.ToString());
    }
}

internal sealed record CliResult(int ExitCode, string Output, string Error)
{
    public override string ToString() => $"exit {ExitCode}\n--- stdout\n{Output}\n--- stderr\n{Error}";
}
