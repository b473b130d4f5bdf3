using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Sluice.Client;

namespace Sluice.Cli.Commands;

/// <summary><c>sluice tail STREAM [--from N] [--json] [--count N]</c>: follows a stream live, resuming by itself.</summary>
internal static class TailCommand
{
    public static Command Build(GlobalOptions global)
    {
        var stream = new Argument<string>("stream") { Description = "The stream to follow" };
        var from = new Option<long?>("--from") { Description = "Replay from this offset, then follow (default: only new events)" };
        var json = new Option<bool>("--json") { Description = "One JSON object per line: {offset, timestamp, data, op?}" };
        var count = new Option<long?>("--count", "-n") { Description = "Stop after this many events (default: follow until Ctrl+C)" };
        var tail = new Command("tail", "Follow a stream live (replay from --from, then new events), resuming after disconnects") { stream, from, json, count };
        tail.SetAction(global.Run(async (parsed, client, cancellationToken) =>
        {
            var asJson = parsed.GetValue(json);
            var left = parsed.GetValue(count);
            if (left <= 0)
            {
                return 0;
            }
            var output = global.Console.Out;
            await foreach (var e in client.SubscribeAsync(parsed.GetRequiredValue(stream), parsed.GetValue(from), cancellationToken))
            {
                await output.WriteLineAsync(asJson ? Json(e) : Line(e));
                await output.FlushAsync(cancellationToken);
                if (left is not null && --left == 0)
                {
                    break;
                }
            }
            return 0;
        }));
        return tail;
    }

    /// <summary><c>offset  timestamp  [op]  data</c>, for reading.</summary>
    private static string Line(StreamEvent e) =>
        string.Join("  ", new[]
        {
            e.Offset.ToString(CultureInfo.InvariantCulture),
            e.Timestamp.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture),
            e.Op,
            e.Data.GetRawText(),
        }.Where(part => part is not null));

    /// <summary>The event as the hub sent it, one line of JSON, for other programs.</summary>
    private static string Json(StreamEvent e) => JsonSerializer.Serialize(new { offset = e.Offset, timestamp = e.Timestamp.UtcDateTime, data = e.Data, op = e.Op }, CliJson.Options);
}
