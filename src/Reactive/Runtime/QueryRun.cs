using System.Diagnostics;
using System.Reactive.Subjects;
using Microsoft.Extensions.Logging;
using Sluice.Data.Streams;
using Sluice.Reactive.Rows;

namespace Sluice.Reactive.Runtime;

/// <summary>Where a query's execution stands.</summary>
public enum QueryState
{
    Running,
    Stopped,
    Faulted,
}

/// <summary>
/// One execution of a registered query, from start until it is stopped or faults. A single driver task owns the
/// pipeline: it reads a batch from each input's <see cref="StreamCursor"/> in turn (round-robin keeps the inputs'
/// watermarks roughly aligned), decodes it (<see cref="InputDecoder"/>: once per event for all queries), pushes it
/// through the pipeline, appends the rows that came out to the output stream in one batch, and when every input is
/// drained waits for the next append on any of them (<see cref="StreamCursor.WhenAnyAsync"/>; no polling). Anything
/// that goes wrong ends this run as <see cref="QueryState.Faulted"/> and nothing else: other queries, ingest and the
/// process carry on.
/// </summary>
public sealed class QueryRun
{
    private readonly CompiledQuery compiled;
    private readonly StreamCursor[] cursors;
    private readonly InputDecoder[] decoders;
    private readonly StreamLog output;
    private readonly RowEncoder encoder;
    private readonly OutputRowMemo? outputRows;
    private readonly int batchSize;
    private readonly ILogger logger;
    private readonly QueryTelemetry telemetry;
    private readonly long[] offsets;
    private readonly CancellationTokenSource stopping = new();
    private readonly QueryDurability? durability;
    private long eventsIn;
    private long rowsOut;
    private long skippedEvents;
    private volatile string? error;
    private volatile bool stopped;
    private Task driver = Task.CompletedTask;

    public QueryRun(
        string name,
        CompiledQuery compiled,
        IReadOnlyList<StreamLog> inputs,
        InputOffsets start,
        StreamLog output,
        int batchSize,
        ILogger logger,
        QueryTelemetry telemetry,
        QueryDurability? durability = null)
    {
        ArgumentNullException.ThrowIfNull(compiled);
        ArgumentNullException.ThrowIfNull(inputs);
        ArgumentNullException.ThrowIfNull(output);
        Name = name;
        this.compiled = compiled;
        offsets = start.Offsets.ToArray();
        cursors = inputs.Select((log, i) => log.OpenCursor(offsets[i])).ToArray();
        decoders = compiled.Inputs.Select((input, i) => new InputDecoder(inputs[i], input.Columns)).ToArray();
        this.output = output;
        encoder = new RowEncoder(compiled.OutputColumns, compiled.IsUpdating);
        outputRows = OutputRowMemo.For(output, compiled);
        this.batchSize = Math.Max(1, batchSize);
        this.logger = logger;
        this.telemetry = telemetry;
        Results = compiled.IsUpdating ? new ResultTable() : null;
        this.durability = durability;
    }

    public string Name { get; }

    public QueryStats Stats { get; } = new();

    public LatencyHistogram ReadLatency { get; } = new();

    public LatencyHistogram ProcessLatency { get; } = new();

    public LatencyHistogram WriteLatency { get; } = new();

    /// <summary>The current result of an updating query; null for an append-only one.</summary>
    public ResultTable? Results { get; }

    public long EventsIn => Interlocked.Read(ref eventsIn);

    public long RowsOut => Interlocked.Read(ref rowsOut);

    /// <summary>Events evicted from a memory input before this query read them (skipped, see docs/queries.md).</summary>
    public long SkippedEvents => Interlocked.Read(ref skippedEvents);

    public string? Error => error;

    public QueryState State => error is not null ? QueryState.Faulted : stopped ? QueryState.Stopped : QueryState.Running;

    /// <summary>
    /// The next offset this run reads from each input, in the order of <see cref="CompiledQuery.Inputs"/>: every event
    /// below it has been pushed through the pipeline and its rows appended to the output. Moves once per batch.
    /// </summary>
    public InputOffsets Offsets
    {
        get
        {
            var snapshot = new long[offsets.Length];
            for (var i = 0; i < snapshot.Length; i++)
            {
                snapshot[i] = Volatile.Read(ref offsets[i]);
            }
            return new InputOffsets(snapshot);
        }
    }

    /// <summary><see cref="Offsets"/> beside the streams they are offsets of.</summary>
    public IReadOnlyList<(StreamLog Log, long Offset)> Positions
    {
        get
        {
            var current = Offsets.Offsets;
            return cursors.Select((cursor, i) => (cursor.Log, current[i])).ToArray();
        }
    }

    /// <summary>Completes when the driver has ended (stopped or faulted).</summary>
    public Task Completion => driver;

    public void Start()
    {
        // Counted before the driver runs, so rows appended right after registration are already shared.
        foreach (var decoder in decoders)
        {
            decoder.AddReader();
        }
        driver = Task.Run(DriveAsync);
    }

    public async Task StopAsync()
    {
        stopped = true;
        await stopping.CancelAsync();
        await driver;
        if (error is null && durability?.Checkpointer is { } checkpointer && durability.Snapshot(Offsets.Offsets, output.Position.HeadOffset, DateTimeOffset.UtcNow) is { } last)
        {
            await checkpointer.TakeFinalAsync(last);
        }
    }

    private async Task DriveAsync()
    {
        var cancellation = stopping.Token;
        var subjects = cursors.Select(_ => new Subject<InputEvent>()).ToArray();
        var emitted = new List<OutputRow>();
        Exception? pipelineError = null;
        IDisposable? subscription = null;
        try
        {
            subscription = compiled.Build(subjects, Stats).Subscribe(emitted.Add, e => pipelineError ??= e, () => { });
            if (durability is not null)
            {
                await ReplayJournalAsync(subjects, emitted, () => pipelineError, cancellation);
            }
            while (!cancellation.IsCancellationRequested)
            {
                if (pipelineError is { } early)
                {
                    throw new QueryPipelineException(early);
                }
                var progressed = false;
                for (var i = 0; i < cursors.Length && !cancellation.IsCancellationRequested; i++)
                {
                    progressed |= await PumpAsync(i, subjects[i], emitted, () => pipelineError, cancellation);
                }
                if (durability?.Checkpointer is { Due: true } checkpointer && durability.Snapshot(Offsets.Offsets, output.Position.HeadOffset, DateTimeOffset.UtcNow) is { } checkpoint)
                {
                    // Between batches, on the driver: offsets and output head agree; the write itself runs in the background.
                    checkpointer.Take(checkpoint);
                }
                if (!progressed)
                {
                    await WaitForInputAsync(cancellation);
                }
            }
        }
        catch (OperationCanceledException) when (cancellation.IsCancellationRequested)
        {
            // Stopped.
        }
        catch (Exception ex)
        {
            Fault(ex);
        }
        finally
        {
            try
            {
                subscription?.Dispose();
            }
            catch (Exception ex)
            {
                logger.LogWarning(ex, "Disposing the pipeline of query {Query} failed.", Name);
            }
            foreach (var decoder in decoders)
            {
                decoder.RemoveReader();
            }
            stopped = true;
        }
    }

    /// <summary>Waits for an append to any input; a durable query with progress not yet checkpointed also wakes when its checkpoint is due, so an idle query still checkpoints its last batch.</summary>
    private async Task WaitForInputAsync(CancellationToken cancellation)
    {
        if (durability?.Checkpointer?.Pending(Offsets.Offsets) is not { } due)
        {
            await StreamCursor.WhenAnyAsync(cursors, cancellation);
            return;
        }
        using var wake = CancellationTokenSource.CreateLinkedTokenSource(cancellation);
        wake.CancelAfter(due);
        try
        {
            await StreamCursor.WhenAnyAsync(cursors, wake.Token);
        }
        catch (OperationCanceledException) when (!cancellation.IsCancellationRequested)
        {
            // The checkpoint is due: the loop takes it.
        }
    }

    /// <summary>After a restart: pushes the journaled batches again, in their order, before reading live (<see cref="QueryDurability"/>).</summary>
    private async Task ReplayJournalAsync(Subject<InputEvent>[] subjects, List<OutputRow> emitted, Func<Exception?> pipelineError, CancellationToken cancellation)
    {
        durability!.BeginReplay();
        foreach (var step in durability.Replay)
        {
            while (Volatile.Read(ref offsets[step.Input]) < step.EndOffset)
            {
                if (!await PumpAsync(step.Input, subjects[step.Input], emitted, pipelineError, cancellation, step.EndOffset))
                {
                    throw new InvalidOperationException(
                        $"The journal of query '{Name}' replays input {step.Input} up to offset {step.EndOffset}, but stream '{cursors[step.Input].Log.Definition.Name}' ends before it.");
                }
            }
        }
        durability.EndReplay();
    }

    /// <summary>Reads, processes and writes one batch of input <paramref name="index"/> (below <paramref name="end"/>); false when the input had nothing new.</summary>
    private async Task<bool> PumpAsync(int index, Subject<InputEvent> subject, List<OutputRow> emitted, Func<Exception?> pipelineError, CancellationToken cancellation, long end = long.MaxValue)
    {
        var cursor = cursors[index];
        var readStarted = Stopwatch.GetTimestamp();
        IReadOnlyList<TailEntry> entries;
        switch (await cursor.TryReadAsync((int)Math.Min(batchSize, end - cursor.Next), cancellation))
        {
            case CursorRead.Empty:
                return false;
            case CursorRead.Skipped skipped:
                // A memory input evicted events before we read them: skip to what is left, count and log it.
                Interlocked.Add(ref skippedEvents, skipped.To - skipped.From);
                Volatile.Write(ref offsets[index], skipped.To);
                logger.LogWarning("Query {Query} fell behind stream {Stream}: offsets {From}..{To} were evicted before it read them and are skipped.",
                    Name, cursor.Log.Definition.Name, skipped.From, skipped.To - 1);
                return true;
            case CursorRead.Events events:
                entries = events.Entries;
                break;
            default:
                throw new InvalidOperationException($"Input stream '{cursor.Log.Definition.Name}' was deleted.");
        }
        if (durability is not null)
        {
            await durability.RecordAsync(index, entries[^1].Offset + 1);
        }
        var rows = new object?[entries.Count][];
        decoders[index].Decode(entries, rows);
        var batch = new InputEvent[entries.Count];
        for (var k = 0; k < entries.Count; k++)
        {
            var stored = entries[k].Event;
            batch[k] = new InputEvent(stored.Offset, stored.Timestamp.UtcDateTime, rows[k]);
        }
        var readEnded = Stopwatch.GetTimestamp();
        ReadLatency.Rotate(readEnded);
        ReadLatency.RecordElapsed(readStarted, readEnded, batch.Length);

        ProcessLatency.Rotate(readEnded);
        var processStarted = readEnded;
        foreach (var item in batch)
        {
            var before = Stopwatch.GetTimestamp();
            subject.OnNext(item);
            ProcessLatency.RecordElapsed(before, Stopwatch.GetTimestamp());
            if (pipelineError() is { } failure)
            {
                throw new QueryPipelineException(failure);
            }
        }
        var processEnded = Stopwatch.GetTimestamp();

        if (emitted.Count > 0)
        {
            await WriteAsync(emitted, cancellation);
        }
        var writeEnded = Stopwatch.GetTimestamp();
        WriteLatency.Rotate(writeEnded);
        WriteLatency.RecordElapsed(processEnded, writeEnded, batch.Length);

        Volatile.Write(ref offsets[index], entries[^1].Offset + 1);
        Interlocked.Add(ref eventsIn, batch.Length);
        telemetry.RecordBatch(Name, batch.Length, readStarted, readEnded, processStarted, processEnded, writeEnded);
        return true;
    }

    private async Task WriteAsync(List<OutputRow> emitted, CancellationToken cancellation)
    {
        if (output.IsClosed)
        {
            throw new InvalidOperationException($"Output stream '{output.Definition.Name}' was deleted.");
        }
        if (durability is not null)
        {
            // Rows the output stream already holds (re-produced while recovering) are applied to the result table, not appended again.
            var skip = durability.TakeSkip(emitted.Count);
            if (skip > 0)
            {
                Results?.Apply(emitted.GetRange(0, skip));
                emitted.RemoveRange(0, skip);
                if (emitted.Count == 0)
                {
                    cancellation.ThrowIfCancellationRequested();
                    return;
                }
            }
            await durability.FlushAsync();
        }
        var payloads = new ReadOnlyMemory<byte>[emitted.Count];
        encoder.EncodeAll(emitted, payloads);
        var events = new NewEvent[emitted.Count];
        for (var k = 0; k < emitted.Count; k++)
        {
            var row = emitted[k];
            events[k] = new NewEvent(new DateTimeOffset(DateTime.SpecifyKind(row.EventTime, DateTimeKind.Utc)), payloads[k]) { Memo = outputRows?.Of(row) };
        }
        // Not cancellable half-way: a batch of results is appended whole or not at all.
        if (durability is { OutputConditions.FenceEpoch: not null })
        {
            // A cluster node's run: PostgreSQL refuses the append once the query has moved to another node (docs/cluster.md).
            await output.AppendAsync(events, durability.OutputConditions, CancellationToken.None);
        }
        else
        {
            await output.AppendAsync(events, CancellationToken.None);
        }
        Results?.Apply(emitted);
        Interlocked.Add(ref rowsOut, emitted.Count);
        emitted.Clear();
        cancellation.ThrowIfCancellationRequested();
    }

    private void Fault(Exception ex)
    {
        var inner = ex is QueryPipelineException pipeline ? pipeline.InnerException! : ex;
        error = string.IsNullOrWhiteSpace(inner.Message) ? inner.GetType().Name : inner.Message;
        logger.LogError(inner, "Query {Query} faulted: {Error}", Name, error);
    }

    /// <summary>Carries an error the pipeline reported through OnError out of the push loop.</summary>
    private sealed class QueryPipelineException(Exception inner) : Exception(inner.Message, inner);
}
