namespace Sluice.Cli;

internal static class Program
{
    public static Task<int> Main(string[] args) => SluiceCommandLine.RunAsync(args, CliConsole.FromProcess());
}
