using Spectre.Console;

namespace Sluice.Cli;

/// <summary>
/// Where the CLI reads and writes: <see cref="Ui"/> for tables and progress, <see cref="Out"/> for lines meant for
/// other programs (NDJSON, never wrapped or decorated), <see cref="Error"/> for errors. Tests pass their own.
/// </summary>
public sealed class CliConsole(IAnsiConsole ui, TextWriter output, TextWriter error, Func<Stream> openStandardInput, Func<string, string?> environment)
{
    public IAnsiConsole Ui { get; } = ui;

    public TextWriter Out { get; } = output;

    public TextWriter Error { get; } = error;

    public Func<Stream> OpenStandardInput { get; } = openStandardInput;

    public Func<string, string?> Environment { get; } = environment;

    public static CliConsole FromProcess() =>
        new(AnsiConsole.Console, Console.Out, Console.Error, Console.OpenStandardInput, System.Environment.GetEnvironmentVariable);
}
