using System.CommandLine;
using System.Text.Json;
using Sluice.Cli.Output;
using Sluice.Client;
using Spectre.Console;

namespace Sluice.Cli.Commands;

/// <summary><c>sluice query register|replace|validate|preview|list|describe|results|stop|start|delete</c>.</summary>
internal static class QueryCommands
{
    public static Command Build(GlobalOptions global)
    {
        var console = global.Console;
        var name = new Argument<string>("name") { Description = "The query's name (also the name of its output stream)" };
        var sql = new Argument<string>("sql") { Description = "The query text, or - to read it from standard input" };
        var from = new Option<string>("--from") { Description = "earliest (default: read the inputs from their first retained offset) or latest (only new events)" };
        from.AcceptOnlyFromAmong("earliest", "latest");
        var json = new Option<bool>("--json") { Description = "Print the service's JSON answer instead of a table" };

        var register = new Command("register", "Register a continuous query; it starts at once and writes to a stream of its name") { name, sql, from, json };
        register.SetAction(global.Run(async (parsed, client, cancellationToken) =>
            Show(parsed, await client.RegisterQueryAsync(parsed.GetRequiredValue(name), await SqlAsync(parsed), Start(parsed), cancellationToken))));

        var replace = new Command("replace", "Replace a query's SQL; its output restarts with op \"reset\" and is rebuilt from the inputs") { name, sql, from, json };
        replace.SetAction(global.Run(async (parsed, client, cancellationToken) =>
            Show(parsed, await client.ReplaceQueryAsync(parsed.GetRequiredValue(name), await SqlAsync(parsed), Start(parsed), cancellationToken))));

        var validate = new Command("validate", "Check a query without registering it: output schema, inputs and plan") { sql, json };
        validate.SetAction(global.Run(async (parsed, client, cancellationToken) =>
        {
            var validation = await client.ValidateQueryAsync(await SqlAsync(parsed), cancellationToken);
            if (parsed.GetValue(json))
            {
                await console.Out.WriteLineAsync(JsonSerializer.Serialize(validation, CliJson.Options));
                return 0;
            }
            console.Ui.WriteLine($"valid; reads {string.Join(", ", validation.Inputs)}; output {Tables.Schema(validation.OutputSchema)}{(validation.IsUpdating ? " (changelog)" : "")}");
            console.Ui.WriteLine(validation.Plan);
            return 0;
        }));

        var events = new Option<string[]>("--events", "-e")
        {
            Description = "Events for an input stream as stream=FILE (NDJSON, one object per line); repeat for each input",
            AllowMultipleArgumentsPerToken = true,
        };
        var preview = new Command("preview", "Run a query on events from files, in virtual time, storing nothing") { sql, events, json };
        preview.SetAction(global.Run(async (parsed, client, cancellationToken) =>
        {
            var result = await client.PreviewQueryAsync(await SqlAsync(parsed), await ReadEventsAsync(parsed.GetValue(events) ?? [], cancellationToken), cancellationToken);
            if (parsed.GetValue(json))
            {
                await console.Out.WriteLineAsync(JsonSerializer.Serialize(result, CliJson.Options));
                return 0;
            }
            console.Ui.Write(Tables.Rows(result.OutputSchema, result.Rows, result.IsUpdating));
            console.Ui.WriteLine($"{result.Rows.Count} rows from {result.EventsIn} events{(result.Truncated ? " (truncated)" : "")}");
            return 0;
        }));

        var list = new Command("list", "List queries with their state and metrics (the default)") { json };
        list.SetAction(global.Run(ListAsync));

        var describe = new Command("describe", "Show a query's SQL, state, schema, plan and metrics") { name, json };
        describe.SetAction(global.Run(async (parsed, client, cancellationToken) =>
            Show(parsed, await client.GetQueryAsync(parsed.GetRequiredValue(name), cancellationToken), withPlan: true)));

        var limit = new Option<int>("--limit") { Description = "Most rows shown", DefaultValueFactory = _ => 1000 };
        var results = new Command("results", "Show the current result table of an updating query (one row per key)") { name, limit, json };
        results.SetAction(global.Run(async (parsed, client, cancellationToken) =>
        {
            var table = await client.GetQueryResultsAsync(parsed.GetRequiredValue(name), parsed.GetValue(limit), cancellationToken);
            if (parsed.GetValue(json))
            {
                await console.Out.WriteLineAsync(JsonSerializer.Serialize(table, CliJson.Options));
                return 0;
            }
            console.Ui.Write(Tables.Rows(table.Columns, table.Rows, withOp: false));
            console.Ui.WriteLine($"{table.Count} rows{(table.Truncated ? $" ({table.Rows.Count} shown)" : "")}");
            return 0;
        }));

        var stop = new Command("stop", "Stop a query; its output stream stays") { name, json };
        stop.SetAction(global.Run(async (parsed, client, cancellationToken) =>
            Show(parsed, await client.StopQueryAsync(parsed.GetRequiredValue(name), cancellationToken))));

        var start = new Command("start", "Start a stopped or faulted query afresh") { name, json };
        start.SetAction(global.Run(async (parsed, client, cancellationToken) =>
            Show(parsed, await client.StartQueryAsync(parsed.GetRequiredValue(name), cancellationToken))));

        var delete = new Command("delete", "Stop and delete a query and its output stream") { name };
        delete.SetAction(global.Run(async (parsed, client, cancellationToken) =>
        {
            var query = parsed.GetRequiredValue(name);
            await client.DeleteQueryAsync(query, cancellationToken);
            console.Ui.WriteLine($"Deleted query '{query}' and its output stream.");
            return 0;
        }));

        var command = new Command("query", "Register, replace, validate, preview, list, stop, start and delete continuous queries")
        {
            register, replace, validate, preview, list, describe, results, stop, start, delete,
        };
        command.SetAction(global.Run(ListAsync));
        return command;

        async Task<int> ListAsync(ParseResult parsed, SluiceClient client, CancellationToken cancellationToken)
        {
            var all = await client.ListQueriesAsync(cancellationToken);
            if (parsed.GetValue(json))
            {
                await console.Out.WriteLineAsync(JsonSerializer.Serialize(all, CliJson.Options));
            }
            else if (all.Count == 0)
            {
                console.Ui.WriteLine("No queries yet; register one with: sluice query register NAME \"SELECT …\"");
            }
            else
            {
                console.Ui.Write(Tables.Queries(all));
            }
            return 0;
        }

        int Show(ParseResult parsed, QueryInfo query, bool withPlan = false)
        {
            if (parsed.GetValue(json))
            {
                console.Out.WriteLine(JsonSerializer.Serialize(query, CliJson.Options));
                return 0;
            }
            console.Ui.Write(Tables.Query(query));
            if (withPlan)
            {
                console.Ui.WriteLine(query.Plan);
            }
            return 0;
        }

        async Task<string> SqlAsync(ParseResult parsed)
        {
            var text = parsed.GetRequiredValue(sql);
            if (text != "-")
            {
                return text;
            }
            using var reader = new StreamReader(console.OpenStandardInput());
            return await reader.ReadToEndAsync();
        }

        QueryStart? Start(ParseResult parsed) => parsed.GetValue(from) switch
        {
            null => null,
            "latest" => QueryStart.Latest,
            _ => QueryStart.Earliest,
        };
    }

    /// <summary>Reads <c>stream=FILE</c> pairs: each file NDJSON, blank lines skipped.</summary>
    private static async Task<Dictionary<string, IReadOnlyList<JsonElement>>> ReadEventsAsync(string[] pairs, CancellationToken cancellationToken)
    {
        var events = new Dictionary<string, IReadOnlyList<JsonElement>>();
        foreach (var pair in pairs)
        {
            var equals = pair.IndexOf('=', StringComparison.Ordinal);
            if (equals <= 0 || equals == pair.Length - 1)
            {
                throw new CliUsageException($"--events takes stream=FILE, got '{pair}'.");
            }
            var (stream, path) = (pair[..equals], pair[(equals + 1)..]);
            if (!File.Exists(path))
            {
                throw new CliUsageException($"--events {stream}: no file '{path}'.");
            }
            var list = new List<JsonElement>();
            var number = 0;
            foreach (var line in await File.ReadAllLinesAsync(path, cancellationToken))
            {
                number++;
                if (string.IsNullOrWhiteSpace(line))
                {
                    continue;
                }
                try
                {
                    using var document = JsonDocument.Parse(line);
                    list.Add(document.RootElement.Clone());
                }
                catch (JsonException error)
                {
                    throw new CliUsageException($"{path}, line {number}: not JSON ({error.Message})");
                }
            }
            events[stream] = list;
        }
        return events;
    }
}
