using System.Diagnostics;
using System.Reactive.Subjects;
using Microsoft.Extensions.Logging;
using Sluice.Data.Queries;
using Sluice.Data.Streams;
using Sluice.Reactive.Rows;
using Sluice.Reactive.Runtime.Checkpoints;

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
    /// <summary>
    /// T_process is timed around one event in this many (the first of each batch included), each timing counted for
    /// the events it stands for: two clock reads and a histogram update per event and query were several per cent of
    /// the service's CPU end to end (docs/benchmarks.md), and a sample keeps the percentiles.
    /// </summary>
    private const int ProcessSampleEvery = 4;

    private readonly CompiledQuery compiled;
    private readonly StreamCursor[] cursors;
    private readonly InputDecoder[] decoders;
    private readonly bool[] readsQueryOutput;
    private readonly TailMemoReader?[] readers;
    // Per-batch arrays, reused by the driver (the only thread using them) and cleared after each batch so they keep no
    // rows alive: allocating them per batch was about an eighth of the bytes the service allocated per event end to end.
    private object?[][] rowBuffer = [];
    private InputEvent[] batchBuffer = [];
    private ReadOnlyMemory<byte>[] payloadBuffer = [];
    private NewEvent[] appendBuffer = [];
    private readonly StreamLog output;
    private readonly RowEncoder encoder;
    private readonly OutputRowMemo? outputRows;
    private readonly int batchSize;
    private readonly ILogger logger;
    private readonly QueryTelemetry telemetry;
    private readonly long[] offsets;
    private readonly CancellationTokenSource stopping = new();
    private readonly QueryDurability? durability;
    private readonly ProcessingTimeClock? clock;
    private long eventsIn;
    private long rowsOut;
    private long skippedEvents;
    private volatile string? error;
    private volatile QueryRecoveryReport? recovery;
    private PipelineCheckpoint? pipelineState;
    private PipelineBatches? batches;
    private volatile bool stopped;
    // True from the moment a batch (or a firing of the processing-time clock) starts changing the pipeline's state or the
    // output until its input offsets have moved past it. A stop that cancels the driver in between leaves the offsets
    // behind the state and the output head, so that moment must not be checkpointed (see StopAsync).
    private bool unitInProgress;
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
        QueryDurability? durability = null,
        TimeProvider? time = null)
    {
        ArgumentNullException.ThrowIfNull(compiled);
        ArgumentNullException.ThrowIfNull(inputs);
        ArgumentNullException.ThrowIfNull(output);
        Name = name;
        this.compiled = compiled;
        offsets = start.Offsets.ToArray();
        cursors = inputs.Select((log, i) => log.OpenCursor(offsets[i])).ToArray();
        decoders = compiled.Inputs.Select((input, i) => new InputDecoder(inputs[i], input.Columns, input.Reads)).ToArray();
        readsQueryOutput = inputs.Select(log => log.Definition.OutputOf is not null).ToArray();
        readers = new TailMemoReader?[decoders.Length];
        this.output = output;
        // An updating query's op goes beside the payload (NewEvent.Op), not into it: readers then need not find it in the JSON.
        encoder = new RowEncoder(compiled.OutputColumns, includeOp: false);
        outputRows = OutputRowMemo.For(output, compiled);
        this.batchSize = Math.Max(1, batchSize);
        this.logger = logger;
        this.telemetry = telemetry;
        Results = compiled.IsUpdating ? new ResultTable() : null;
        this.durability = durability;
        clock = compiled.UsesProcessingTime ? new ProcessingTimeClock(time ?? TimeProvider.System) : null;
    }

    /// <summary>
    /// Output rows held before they are appended: a batch whose events produce more than this is appended in chunks,
    /// between events, and one event that alone produces more (a join fanning out against large state) is appended
    /// every this many of its rows, as they come (<see cref="PipelineOutput"/>). A query never holds twice this (SPEC §8).
    /// </summary>
    public const int OutputChunkRows = 8_192;

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

    /// <summary>What this run's recovery after a restart did; null for a run that did not resume a durable query.</summary>
    public QueryRecoveryReport? Recovery => recovery;

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
        for (var i = 0; i < decoders.Length; i++)
        {
            readers[i] = decoders[i].Join(offsets[i]);
        }
        driver = Task.Run(DriveAsync);
    }

    public async Task StopAsync()
    {
        stopped = true;
        await stopping.CancelAsync();
        await driver;
        if (error is null && durability?.Checkpointer is { } checkpointer)
        {
            if (unitInProgress)
            {
                // The stop landed in the middle of a batch: its rows may be appended while the offsets still point at its
                // start. A checkpoint now would pair those offsets with that output head, and a recovery from it would
                // append the batch's rows again (the graceful hand-over's duplicates, docs/cluster.md). The last
                // checkpoint taken between batches still holds; recovery skips the rows appended since.
                logger.LogInformation("Query {Query} stopped in the middle of a batch; its last checkpoint stands, no final one is taken.", Name);
                return;
            }
            await checkpointer.TakeFinalAsync(Offsets.Offsets, TrySnapshot);
        }
    }

    private async Task DriveAsync()
    {
        var cancellation = stopping.Token;
        var subjects = cursors.Select(_ => new Subject<InputEvent>()).ToArray();
        var sink = new PipelineOutput(WriteAsync, cancellation);
        IDisposable? subscription = null;
        Exception? failure = null;
        try
        {
            // Subscribed directly (not through Rx's Subscribe(Action...) overloads), so the subscription is the pipeline's own end, which a checkpoint walks.
            subscription = compiled.Build(subjects, Stats, clock).Subscribe(sink);
            sink.Pipeline = subscription;
            // Updating GROUP BYs emit once per batch (docs/engine.md, "Mini-batching"): every push below ends with a flush.
            batches = PipelineBatches.Of(subscription);
            if (durability is not null)
            {
                pipelineState = PipelineCheckpoint.Of(subscription, Stats);
                RestoreState();
                await ReplayJournalAsync(subjects, sink, cancellation);
                NoteCaughtUp();
            }
            while (!cancellation.IsCancellationRequested)
            {
                ThrowIfFailed(sink);
                var progressed = false;
                for (var i = 0; i < cursors.Length && !cancellation.IsCancellationRequested; i++)
                {
                    progressed |= await PumpAsync(i, subjects[i], sink, cancellation);
                }
                NoteCaughtUp();
                if (clock is not null)
                {
                    await FireClockAsync(sink, cancellation);
                }
                if (durability?.Checkpointer is { Due: true } checkpointer && checkpointer.DueAt(Offsets.Offsets) && TrySnapshot() is { } checkpoint)
                {
                    // Between batches, on the driver: offsets, output head and the captured state agree; serializing and writing run in the background.
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
            // Reported once the run has let go of its inputs (below), so a run seen as faulted is already finished.
            failure = ex;
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
            for (var i = 0; i < decoders.Length; i++)
            {
                if (readers[i] is { } reader)
                {
                    decoders[i].Leave(reader);
                }
            }
            if (failure is not null)
            {
                Fault(failure);
            }
            stopped = true;
        }
    }

    /// <summary>
    /// Reads the operator state of the checkpoint the run resumes from into the pipeline just built, before any event,
    /// and starts this run's recovery report.
    /// </summary>
    private void RestoreState()
    {
        if (durability!.Restore is not { } restore)
        {
            if (durability.Resumed)
            {
                recovery = new QueryRecoveryReport(false, Offsets.Offsets, null, 0, durability.Replay.Count, durability.RowsToSkip, null, TimeSpan.Zero);
            }
            return;
        }
        if (pipelineState is null)
        {
            throw new InvalidDataException($"Query '{Name}' has a checkpoint with operator state, but its pipeline holds an operator this release cannot restore.");
        }
        var started = Stopwatch.GetTimestamp();
        pipelineState.Read(Name, restore.FormatVersion, restore.State);
        durability.Checkpointer?.ResumedAt(restore.InputOffsets);
        recovery = new QueryRecoveryReport(true, restore.InputOffsets, restore.TakenAt, Stats.StateSize, durability.Replay.Count, durability.RowsToSkip, null,
            Stopwatch.GetElapsedTime(started));
        logger.LogInformation("Query {Query} restored {Entries} state entries from its checkpoint of {TakenAt:O} in {Elapsed} ms, at {Uptime} after the process started.",
            Name, Stats.StateSize, restore.TakenAt, (long)recovery.RestoreTime.TotalMilliseconds, ProcessUptime.Now);
    }

    /// <summary>Completes the recovery report once the run has re-produced every row its output already held.</summary>
    private void NoteCaughtUp()
    {
        if (recovery is { ReplayedEvents: null } catchingUp && durability!.RowsToSkip == 0)
        {
            recovery = catchingUp with { ReplayedEvents = EventsIn };
            logger.LogInformation("Query {Query} caught up with its output after replaying {Events} events, at {Uptime} after the process started.",
                Name, EventsIn, ProcessUptime.Now);
        }
    }

    /// <summary>This run's checkpoint now (between batches, on the driver), or null when none may be taken or writing the state failed (logged).</summary>
    private CapturedCheckpoint? TrySnapshot()
    {
        try
        {
            return durability!.Snapshot(Offsets.Offsets, output.Position.HeadOffset, DateTimeOffset.UtcNow, pipelineState);
        }
        catch (Exception ex) when (ex is NotSupportedException or InvalidOperationException)
        {
            logger.LogWarning(ex, "Query {Query} could not write its state into a checkpoint; the previous checkpoint and the journal still hold.", Name);
            return null;
        }
    }

    /// <summary>Closes the processing-time windows the clock has reached (PROCTIME(), SPEC §4) and appends what they emit.</summary>
    private async Task FireClockAsync(PipelineOutput sink, CancellationToken cancellation)
    {
        unitInProgress = true;
        sink.BeginEvent();
        clock!.Fire();
        batches?.Flush();
        ThrowIfFailed(sink);
        if (sink.Rows.Count > 0)
        {
            await WriteAsync(sink.Rows, cancellation);
        }
        unitInProgress = false;
    }

    /// <summary>
    /// Waits for an append to any input; a durable query with progress not yet checkpointed also wakes when its checkpoint is due, so an idle query still checkpoints its last batch,
    /// and a query with processing-time windows open wakes when the earliest closes (on the clock's <see cref="TimeProvider"/>, so tests drive it with a fake one).
    /// </summary>
    private async Task WaitForInputAsync(CancellationToken cancellation)
    {
        var due = durability?.Checkpointer?.Pending(Offsets.Offsets);
        using var closing = clock?.NextDue is { } close
            ? new CancellationTokenSource(Max(close - clock.Now(), TimeSpan.Zero), clock.Time)
            : null;
        if (due is null && closing is null)
        {
            await StreamCursor.WhenAnyAsync(cursors, cancellation);
            return;
        }
        using var wake = closing is null
            ? CancellationTokenSource.CreateLinkedTokenSource(cancellation)
            : CancellationTokenSource.CreateLinkedTokenSource(cancellation, closing.Token);
        if (due is { } checkpointDue)
        {
            wake.CancelAfter(checkpointDue);
        }
        try
        {
            await StreamCursor.WhenAnyAsync(cursors, wake.Token);
        }
        catch (OperationCanceledException) when (!cancellation.IsCancellationRequested)
        {
            // The checkpoint or a processing-time window is due: the loop takes it.
        }
    }

    private static TimeSpan Max(TimeSpan a, TimeSpan b) => a > b ? a : b;

    /// <summary>After a restart: pushes the journaled batches again, in their order, before reading live (<see cref="QueryDurability"/>).</summary>
    private async Task ReplayJournalAsync(Subject<InputEvent>[] subjects, PipelineOutput sink, CancellationToken cancellation)
    {
        durability!.BeginReplay();
        foreach (var step in durability.Replay)
        {
            while (Volatile.Read(ref offsets[step.Input]) < step.EndOffset)
            {
                if (!await PumpAsync(step.Input, subjects[step.Input], sink, cancellation, step.EndOffset))
                {
                    throw new InvalidOperationException(
                        $"The journal of query '{Name}' replays input {step.Input} up to offset {step.EndOffset}, but stream '{cursors[step.Input].Log.Definition.Name}' ends before it.");
                }
            }
        }
        durability.EndReplay();
    }

    /// <summary>Reads, processes and writes one batch of input <paramref name="index"/> (below <paramref name="end"/>); false when the input had nothing new.</summary>
    private async Task<bool> PumpAsync(int index, Subject<InputEvent> subject, PipelineOutput sink, CancellationToken cancellation, long end = long.MaxValue)
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
                throw new InvalidOperationException(cursor.Log.ClosedReason ?? $"Input stream '{cursor.Log.Definition.Name}' was deleted.");
        }
        var endOffset = entries[^1].Offset + 1;
        if (durability is not null)
        {
            await durability.RecordAsync(index, endOffset);
        }
        var read = entries;
        if (readsQueryOutput[index] && (entries = OutputStreams.WithoutResets(entries)).Count == 0)
        {
            // Only the reset of a replaced query: a marker, not a row (docs/durability.md).
            if (readers[index] is { } passedReader)
            {
                decoders[index].Passed(passedReader, read);
            }
            Volatile.Write(ref offsets[index], endOffset);
            return true;
        }
        var count = entries.Count;
        var rows = Reserve(ref rowBuffer, count);
        var batch = Reserve(ref batchBuffer, count);
        await decoders[index].DecodeAsync(entries, rows, cancellation);
        if (readers[index] is { } reader)
        {
            decoders[index].Passed(reader, read);
        }
        for (var k = 0; k < count; k++)
        {
            var stored = entries[k].Event;
            batch[k] = new InputEvent(stored.Offset, stored.Timestamp.UtcDateTime, rows[k]);
        }
        Array.Clear(rows, 0, count);
        unitInProgress = true;
        try
        {
            // A journaled batch replayed in several reads (a smaller batch size since) is flushed once, at its end, as it was.
            await PushAsync(subject, batch, count, sink, readStarted, flush: end == long.MaxValue || endOffset == end, cancellation);
        }
        finally
        {
            Array.Clear(batch, 0, count);
        }
        Volatile.Write(ref offsets[index], endOffset);
        unitInProgress = false;
        Interlocked.Add(ref eventsIn, count);
        return true;
    }

    /// <summary>
    /// Pushes the first <paramref name="count"/> events of <paramref name="batch"/> through the pipeline, ends the batch
    /// (<paramref name="flush"/>: the mini-batching operators emit what it changed) and appends the rows that come out.
    /// </summary>
    private async Task PushAsync(Subject<InputEvent> subject, InputEvent[] batch, int count, PipelineOutput sink, long readStarted, bool flush,
        CancellationToken cancellation)
    {
        var readEnded = Stopwatch.GetTimestamp();
        ReadLatency.Rotate(readEnded);
        ReadLatency.RecordElapsed(readStarted, readEnded, count);

        ProcessLatency.Rotate(readEnded);
        var processStarted = readEnded;
        var emitted = sink.Rows;
        for (var k = 0; k < count; k++)
        {
            sink.BeginEvent();
            if (k % ProcessSampleEvery == 0)
            {
                var before = Stopwatch.GetTimestamp();
                subject.OnNext(batch[k]);
                var nanoseconds = (long)((Stopwatch.GetTimestamp() - before) * LatencyHistogram.NanosecondsPerTick);
                ProcessLatency.Record(nanoseconds, Math.Min(ProcessSampleEvery, count - k));
            }
            else
            {
                subject.OnNext(batch[k]);
            }
            ThrowIfFailed(sink);
            if (emitted.Count >= OutputChunkRows)
            {
                // A fan-out (a cross join of large inputs) would otherwise hold the whole batch's output at once.
                await WriteAsync(emitted, cancellation);
            }
        }
        if (flush && batches is { IsEmpty: false })
        {
            sink.BeginEvent();
            batches.Flush();
            ThrowIfFailed(sink);
        }
        var processEnded = Stopwatch.GetTimestamp();

        if (emitted.Count > 0)
        {
            await WriteAsync(emitted, cancellation);
        }
        var writeEnded = Stopwatch.GetTimestamp();
        WriteLatency.Rotate(writeEnded);
        WriteLatency.RecordElapsed(processEnded, writeEnded, count);
        telemetry.RecordBatch(Name, count, readStarted, readEnded, processStarted, processEnded, writeEnded);
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
        var count = emitted.Count;
        var payloads = Reserve(ref payloadBuffer, count);
        if (output.CopiesAppendedData)
        {
            // The append copies the payloads before it returns, and the next encoding starts after it: one reused buffer.
            encoder.EncodeAllReused(emitted, payloads);
        }
        else
        {
            encoder.EncodeAll(emitted, payloads);
        }
        var buffer = Reserve(ref appendBuffer, count);
        for (var k = 0; k < count; k++)
        {
            var row = emitted[k];
            buffer[k] = new NewEvent(new DateTimeOffset(DateTime.SpecifyKind(row.EventTime, DateTimeKind.Utc)), payloads[k])
            {
                Memo = outputRows?.Of(row),
                Op = !compiled.IsUpdating ? EventOp.None : row.Op == ChangeOp.Delete ? EventOp.Delete : EventOp.Insert,
            };
        }
        // The engines are done with the list once the append has completed (a postgres append is awaited until committed), so the arrays are reused.
        var events = new ArraySegment<NewEvent>(buffer, 0, count);
        try
        {
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
        }
        finally
        {
            Array.Clear(payloads, 0, count);
            Array.Clear(buffer, 0, count);
        }
        Results?.Apply(emitted);
        Interlocked.Add(ref rowsOut, emitted.Count);
        emitted.Clear();
        cancellation.ThrowIfCancellationRequested();
    }

    /// <summary><paramref name="buffer"/>, grown to hold at least <paramref name="count"/> items.</summary>
    private static T[] Reserve<T>(ref T[] buffer, int count)
    {
        if (buffer.Length < count)
        {
            buffer = new T[Math.Max(count, buffer.Length * 2)];
        }
        return buffer;
    }

    /// <summary>
    /// Throws what ended the pipeline: an append made in the middle of an event as it failed (so a stop is a stop, and a
    /// full output names its limit), or the error an operator reported.
    /// </summary>
    private static void ThrowIfFailed(PipelineOutput sink)
    {
        if (sink.WriteFailure is { } failure)
        {
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(failure);
        }
        if (sink.PipelineError is { } error)
        {
            throw new QueryPipelineException(error);
        }
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
