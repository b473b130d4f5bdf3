using System.CommandLine;
using System.Globalization;
using Sluice.Cli.Posting;
using Sluice.Client;
using Spectre.Console;

namespace Sluice.Cli.Commands;

/// <summary><c>sluice post STREAM [FILE|-]</c>: appends NDJSON in batches, each with its own idempotency key, with a progress bar.</summary>
internal static class PostCommand
{
    public static Command Build(GlobalOptions global)
    {
        var stream = new Argument<string>("stream") { Description = "The stream to append to" };
        var file = new Argument<string>("file") { Description = "An NDJSON file (one JSON object per line), or - for standard input", DefaultValueFactory = _ => "-" };
        var batchSize = new Option<int>("--batch-size") { Description = "Events per request (each batch is appended atomically)", DefaultValueFactory = _ => 1000 };
        var run = new Option<string>("--run")
        {
            Description = "A label mixed into the idempotency keys: posting the same input again with another label appends it again",
            DefaultValueFactory = _ => "",
        };
        var post = new Command("post", "Append NDJSON from a file or stdin in batches; re-running the same command resumes without duplicates")
        {
            stream, file, batchSize, run,
        };
        post.SetAction(global.Run(async (parsed, client, cancellationToken) =>
        {
            var name = parsed.GetRequiredValue(stream);
            var path = parsed.GetRequiredValue(file);
            var size = parsed.GetValue(batchSize);
            if (size < 1)
            {
                throw new CliUsageException($"--batch-size must be 1 or more, got {size}.");
            }
            if (path != "-" && !File.Exists(path))
            {
                throw new CliUsageException($"no file '{path}'.");
            }
            await using var input = path == "-" ? global.Console.OpenStandardInput() : File.OpenRead(path);
            long? total = path == "-" ? null : input.Length;
            var summary = new PostSummary();
            var keys = new BatchKeys(name, parsed.GetValue(run) ?? "");
            async Task PostAllAsync(Action<long> advanced)
            {
                await foreach (var batch in NdjsonBatches.ReadAsync(input, size, cancellationToken))
                {
                    summary.Current = batch;
                    summary.Add(await client.AppendNdjsonAsync(name, batch.Body, new AppendOptions(keys.Next(batch.Index, batch.Body)), cancellationToken));
                    advanced(batch.InputBytes);
                }
            }

            try
            {
                if (!global.Console.Ui.Profile.Capabilities.Interactive)
                {
                    // Redirected output (a script, a log): the summary line alone, no bar frames.
                    await PostAllAsync(_ => { });
                }
                else
                {
                    await global.Console.Ui.Progress()
                        .AutoClear(false)
                        .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn(), new SpinnerColumn())
                        .StartAsync(async progress =>
                        {
                            var task = progress.AddTask($"{(path == "-" ? "stdin" : Path.GetFileName(path))} → {name}", maxValue: Math.Max(1, total ?? 1));
                            task.IsIndeterminate = total is null;
                            await PostAllAsync(bytes => task.Increment(bytes));
                            task.Value = task.MaxValue;
                            task.StopTask();
                        });
                }
            }
            catch (SluiceException error) when (summary.Current is { } batch)
            {
                var where = error.GetInt64("line") is { } line
                    ? $"line {batch.FirstLine + line - 1} of {(path == "-" ? "stdin" : path)}"
                    : $"batch {batch.Index} (lines from {batch.FirstLine})";
                await global.Console.Error.WriteLineAsync($"error at {where}: {error.Message}");
                await global.Console.Error.WriteLineAsync($"{summary.Describe(name)} Fix the input and run the same command again: acknowledged batches are not appended twice.");
                return 1;
            }
            global.Console.Ui.WriteLine(summary.Describe(name));
            return 0;
        }));
        return post;
    }

    private sealed class PostSummary
    {
        private long events, replayed;
        private int batches;
        private long? first, last;

        public NdjsonBatch? Current { get; set; }

        public void Add(AppendResult result)
        {
            batches++;
            events += result.Count;
            if (result.Replayed)
            {
                replayed += result.Count;
            }
            first ??= result.FirstOffset;
            last = result.LastOffset;
        }

        public string Describe(string stream)
        {
            var text = string.Create(CultureInfo.InvariantCulture,
                $"Posted {events:N0} event{(events == 1 ? "" : "s")} to '{stream}' in {batches:N0} batch{(batches == 1 ? "" : "es")}");
            if (first is not null)
            {
                text += string.Create(CultureInfo.InvariantCulture, $" (offsets {first}–{last})");
            }
            if (replayed > 0)
            {
                text += string.Create(CultureInfo.InvariantCulture, $"; {replayed:N0} of them were already there from an earlier run");
            }
            return text + ".";
        }
    }
}
