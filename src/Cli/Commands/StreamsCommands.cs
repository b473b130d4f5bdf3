using System.CommandLine;
using Sluice.Cli.Output;
using Sluice.Client;
using Spectre.Console;

namespace Sluice.Cli.Commands;

/// <summary><c>sluice streams [list|create|describe|delete]</c>.</summary>
internal static class StreamsCommands
{
    public static Command Build(GlobalOptions global)
    {
        var list = new Command("list", "List streams (the default)");
        list.SetAction(global.Run(ListAsync));

        var name = new Argument<string>("name") { Description = "The stream's name" };
        var storage = new Option<string>("--storage") { Description = "memory (default) or postgres" };
        storage.AcceptOnlyFromAmong("memory", "postgres");
        var timestampField = new Option<string>("--timestamp-field") { Description = "Payload field holding event time (ISO-8601 or epoch ms); omit for ingest time" };
        var watermarkDelay = new Option<string>("--watermark-delay") { Description = "How far the watermark trails the largest event time, e.g. 2s" };
        var capacity = new Option<int?>("--capacity") { Description = "Memory streams: events kept (oldest evicted first)" };
        var schema = new Option<string[]>("--schema")
        {
            Description = "Field types as field:type (bigint, double, decimal, text, boolean, timestamp, json); repeat or separate with commas",
            AllowMultipleArgumentsPerToken = true,
        };
        var create = new Command("create", "Create a stream") { name, storage, timestampField, watermarkDelay, capacity, schema };
        create.SetAction(global.Run(async (parsed, client, cancellationToken) =>
        {
            var created = await client.CreateStreamAsync(new StreamDefinition(
                parsed.GetRequiredValue(name),
                parsed.GetValue(storage),
                parsed.GetValue(timestampField),
                parsed.GetValue(watermarkDelay),
                parsed.GetValue(capacity),
                ParseSchema(parsed.GetValue(schema))), cancellationToken);
            global.Console.Ui.Write(Tables.Stream(created));
            return 0;
        }));

        var describe = new Command("describe", "Show a stream's definition, head offset, count and first retained offset") { name };
        describe.SetAction(global.Run(async (parsed, client, cancellationToken) =>
        {
            global.Console.Ui.Write(Tables.Stream(await client.GetStreamAsync(parsed.GetRequiredValue(name), cancellationToken)));
            return 0;
        }));

        var delete = new Command("delete", "Delete a stream and its events") { name };
        delete.SetAction(global.Run(async (parsed, client, cancellationToken) =>
        {
            var stream = parsed.GetRequiredValue(name);
            await client.DeleteStreamAsync(stream, cancellationToken);
            global.Console.Ui.WriteLine($"Deleted stream '{stream}'.");
            return 0;
        }));

        var streams = new Command("streams", "List, create, describe and delete streams") { list, create, describe, delete };
        streams.SetAction(global.Run(ListAsync));
        return streams;

        async Task<int> ListAsync(ParseResult parsed, SluiceClient client, CancellationToken cancellationToken)
        {
            var all = await client.ListStreamsAsync(cancellationToken);
            if (all.Count == 0)
            {
                global.Console.Ui.WriteLine("No streams yet; create one with: sluice streams create NAME");
                return 0;
            }
            global.Console.Ui.Write(Tables.Streams(all));
            return 0;
        }
    }

    private static Dictionary<string, string>? ParseSchema(string[]? fields)
    {
        if (fields is null || fields.Length == 0)
        {
            return null;
        }
        var schema = new Dictionary<string, string>();
        foreach (var field in fields.SelectMany(f => f.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)))
        {
            var colon = field.IndexOf(':', StringComparison.Ordinal);
            if (colon <= 0 || colon == field.Length - 1)
            {
                throw new CliUsageException($"--schema takes field:type, got '{field}'.");
            }
            schema[field[..colon].Trim()] = field[(colon + 1)..].Trim();
        }
        return schema;
    }
}
