using System.CommandLine;
using System.Net.Sockets;
using Sluice.Cli.Commands;
using Sluice.Client;

namespace Sluice.Cli;

/// <summary>The <c>sluice</c> command tree: global <c>--url</c>/<c>--token</c>, and one command per feature.</summary>
public static class SluiceCommandLine
{
    public const string DefaultUrl = "http://localhost:5000";

    /// <summary>Parses and runs <paramref name="args"/>; returns the process exit code.</summary>
    public static async Task<int> RunAsync(string[] args, CliConsole console, CancellationToken cancellationToken = default)
    {
        var root = Build(console);
        var parsed = root.Parse(args);
        var code = await parsed.InvokeAsync(new InvocationConfiguration { Output = console.Out, Error = console.Error }, cancellationToken);
        // System.CommandLine answers a usage error with 1, which this tool keeps for errors of the service.
        return parsed.Errors.Count > 0 ? 2 : code;
    }

    public static RootCommand Build(CliConsole console)
    {
        var global = new GlobalOptions(
            new Option<string>("--url")
            {
                Description = "The service's address (default: $SLUICE_URL, else " + DefaultUrl + ")",
                Recursive = true,
            },
            new Option<string>("--token")
            {
                Description = "API key or JWT sent as a bearer token (default: $SLUICE_TOKEN)",
                Recursive = true,
            },
            console);
        var root = new RootCommand("sluice: manage Sluice streams and queries, post NDJSON, follow streams live.")
        {
            global.Url,
            global.Token,
            StreamsCommands.Build(global),
            PostCommand.Build(global),
            TailCommand.Build(global),
            QueryCommands.Build(global),
        };
        return root;
    }
}

/// <summary>The options every command takes, and how a command runs with a client made from them.</summary>
public sealed class GlobalOptions(Option<string> url, Option<string> token, CliConsole console)
{
    public Option<string> Url { get; } = url;

    public Option<string> Token { get; } = token;

    public CliConsole Console { get; } = console;

    /// <summary>Runs <paramref name="action"/> with a client; turns the service's errors into one line on stderr and exit code 1.</summary>
    public Func<ParseResult, CancellationToken, Task<int>> Run(Func<ParseResult, SluiceClient, CancellationToken, Task<int>> action) =>
        async (parsed, cancellationToken) =>
        {
            var address = parsed.GetValue(Url) ?? Console.Environment("SLUICE_URL") ?? SluiceCommandLine.DefaultUrl;
            if (!Uri.TryCreate(address, UriKind.Absolute, out var baseAddress) || baseAddress.Scheme is not ("http" or "https"))
            {
                await Console.Error.WriteLineAsync($"error: --url must be an http(s) address, got '{address}'.");
                return 2;
            }
            using var client = new SluiceClient(baseAddress, parsed.GetValue(Token) ?? Console.Environment("SLUICE_TOKEN"));
            try
            {
                return await action(parsed, client, cancellationToken);
            }
            catch (SluiceException error)
            {
                await Console.Error.WriteLineAsync($"error: {error.Message}");
                return 1;
            }
            catch (SubscriptionException error)
            {
                await Console.Error.WriteLineAsync($"error: {error.Message}");
                return 1;
            }
            catch (HttpRequestException error) when (error.InnerException is SocketException || error.HttpRequestError == HttpRequestError.ConnectionError)
            {
                await Console.Error.WriteLineAsync($"error: cannot reach the service at {baseAddress}: {error.Message} (set --url or SLUICE_URL)");
                return 3;
            }
            catch (CliUsageException error)
            {
                await Console.Error.WriteLineAsync($"error: {error.Message}");
                return 2;
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return 130; // interrupted (Ctrl+C), as shells report SIGINT
            }
        };
}

/// <summary>Input the command cannot use (a missing file, a malformed option value); exit code 2.</summary>
public sealed class CliUsageException(string message) : Exception(message);
