using System.Diagnostics;
using Microsoft.Extensions.Logging;
using Sluice.Data.Queries;
using Sluice.Data.Streams;
using Sluice.Reactive.Runtime.Checkpoints;

namespace Sluice.Reactive.Runtime;

/// <summary>
/// Turns what the <see cref="IQueryCatalog"/> kept into queries again at start-up: compiles each definition against the
/// streams the store reopened, and for a running one works out where its run resumes. A durable query adopts its output
/// stream and resumes from its last checkpoint (or its start), replaying its journal and skipping the rows its output
/// already holds; any other query starts afresh, as its memory inputs and output did not survive.
/// </summary>
/// <param name="store">The stream store, every stream open.</param>
/// <param name="catalog">Where definitions, checkpoints and journals are kept.</param>
/// <param name="logger">Says what recovery did and why a query stays stopped.</param>
/// <param name="prefetch">Checkpoints read ahead at start-up (<see cref="QueryRegistry.PrefetchRecovery"/>), taken instead of reading them here.</param>
internal sealed class QueryRecovery(StreamStore store, IQueryCatalog catalog, ILogger logger, RecoveryPrefetch? prefetch = null)
{
    /// <summary>Where a recovered run starts, with what it writes to and how it stays exactly-once.</summary>
    public sealed record Resume(StreamLog[] Inputs, InputOffsets Start, StreamLog Output, QueryDurability? Durability, string? NotDurableReason = null);

    /// <summary>A query is durable when the catalog survives restarts and it reads only postgres streams (its output is then postgres too).</summary>
    public static bool IsDurable(IQueryCatalog catalog, IReadOnlyList<StreamLog> inputs) => NotDurableReason(catalog, inputs, output: null) is null;

    /// <summary>
    /// Why a run over <paramref name="inputs"/> writing <paramref name="output"/> would not survive a restart where it stands,
    /// in words for <c>GET /api/queries/{name}</c>; null when it would (PostgreSQL catalog, postgres inputs and output).
    /// </summary>
    public static string? NotDurableReason(IQueryCatalog catalog, IReadOnlyList<StreamLog> inputs, StreamLog? output)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        ArgumentNullException.ThrowIfNull(inputs);
        if (!catalog.IsDurable)
        {
            return "PostgreSQL is not configured (ConnectionStrings__Postgres): queries, their state and memory streams live in this process only; " +
                   "after a restart this query and its output are gone.";
        }
        if (inputs.FirstOrDefault(log => log.Definition.Storage != StorageKind.Postgres) is { } memory)
        {
            return $"It reads memory stream '{memory.Definition.Name}', whose events do not survive a restart: after one the query comes back " +
                   "(definition and state) but starts afresh over its emptied inputs, with an empty output.";
        }
        if (output is not null && output.Definition.Storage != StorageKind.Postgres)
        {
            return $"Its output '{output.Definition.Name}' is a memory stream (made when the query read memory streams): after a restart the query " +
                   "starts afresh; POST /api/queries/{name}/start rebuilds it now with a postgres output.";
        }
        return null;
    }

    public static StoredQuery ToStored(RegisteredQuery query, bool running, InputOffsets start, InputOffsets? until = null) =>
        new(query.Name, query.Compiled.Sql, query.From == StartFrom.Latest ? "latest" : "earliest", running, start.Offsets, query.CreatedAt,
            query.OutputStart, until?.Offsets);

    /// <summary>The registered query of <paramref name="stored"/>, or null (logged) when its text no longer compiles, e.g. an input was deleted.</summary>
    public RegisteredQuery? Compile(StoredQuery stored)
    {
        try
        {
            var compiled = QueryCompiler.Compile(stored.Sql, new StoreStreamShapes(store));
            var query = new RegisteredQuery(stored.Name, compiled, stored.From == "latest" ? StartFrom.Latest : StartFrom.Earliest, stored.CreatedAt)
            {
                OutputStart = stored.OutputStart,
            };
            if (stored.BackfillUntil is { } until && until.Count == compiled.Inputs.Count && stored.StartOffsets.Count == until.Count)
            {
                query.Backfill = new QueryBackfill(new InputOffsets(stored.StartOffsets), new InputOffsets(until));
            }
            return query;
        }
        catch (QueryException ex)
        {
            logger.LogError("Query {Query} could not be recovered: its text no longer compiles ({Error}). Its definition is kept; delete it or recreate its inputs.",
                stored.Name, ex.Message);
            return null;
        }
    }

    /// <summary>Where the run of a query that was running resumes; null (logged) when it cannot run now.</summary>
    public async Task<Resume?> PrepareAsync(RegisteredQuery query, StoredQuery stored, CancellationToken cancellationToken)
    {
        var compiled = query.Compiled;
        var inputs = new StreamLog[compiled.Inputs.Count];
        for (var i = 0; i < inputs.Length; i++)
        {
            if (store.Find(compiled.Inputs[i].Stream) is not { } log)
            {
                logger.LogError("Query {Query} stays stopped: its input stream {Stream} does not exist.", query.Name, compiled.Inputs[i].Stream);
                return null;
            }
            inputs[i] = log;
        }
        var durable = IsDurable(catalog, inputs);
        var storage = durable ? StorageKind.Postgres : StorageKind.Memory;
        var output = store.Find(query.Name);
        if (output is not null && output.Definition.Storage != storage)
        {
            await store.DeleteAsync(query.Name, cancellationToken);
            output = null;
        }
        var fresh = output is null;
        if (output is null)
        {
            await store.CreateAsync(OutputStreams.Define(query.Name, compiled, store.Time.GetUtcNow(), storage), cancellationToken);
            output = store.Find(query.Name)!;
        }
        if (!durable)
        {
            // Memory inputs and output restarted empty: the query starts afresh, as registered.
            query.OutputStart = 0;
            var afresh = InputOffsets.Of(inputs, latest: query.From == StartFrom.Latest);
            query.Backfill = new QueryBackfill(afresh, InputOffsets.Of(inputs, latest: true));
            return new Resume(inputs, afresh, output, null, NotDurableReason(catalog, inputs, output));
        }

        var outputStart = fresh ? 0 : stored.OutputStart;
        var head = output.Position.HeadOffset;
        if (head < outputStart)
        {
            // A replace committed the new definition but died before appending its reset event: append it now.
            outputStart = await OutputStreams.ResetAsync(store, output, compiled, store.Time.GetUtcNow());
            head = output.Position.HeadOffset;
            await catalog.SaveAsync(stored with { OutputStart = outputStart }, cancellationToken);
            logger.LogInformation("Query {Query} was being replaced when the service stopped; its output starts over at offset {Offset}.", query.Name, outputStart);
        }
        query.OutputStart = outputStart;

        var reading = Stopwatch.GetTimestamp();
        var readAhead = prefetch?.Take(query.Name);
        var checkpoint = fresh ? null : await (readAhead?.WaitAsync(cancellationToken) ?? catalog.LoadCheckpointAsync(query.Name, cancellationToken));
        if (checkpoint is not null)
        {
            logger.LogInformation("Query {Query} read its checkpoint ({Bytes} bytes of state; waited {Elapsed} ms for it here), at {Uptime} after the process started.",
                query.Name, checkpoint.State.Length, (long)Stopwatch.GetElapsedTime(reading).TotalMilliseconds, ProcessUptime.Now);
        }
        if (fresh || (checkpoint is not null && (checkpoint.OutputHead > head || checkpoint.OutputHead < outputStart)))
        {
            // The output is new (or shorter than the checkpoint says), or the checkpoint is an earlier definition's (taken before
            // a replace's reset): nothing of the old progress applies.
            await catalog.ResetProgressAsync(query.Name, cancellationToken);
            checkpoint = null;
        }
        var start = new InputOffsets(stored.StartOffsets.Count == inputs.Length ? stored.StartOffsets : InputOffsets.Of(inputs, latest: false).Offsets);
        var journaled = QueryDurability.Journals(compiled);
        // Without a checkpoint the run re-produces its rows from the start of this definition's output.
        long baseHead = outputStart, afterSequence = 0;
        if (checkpoint is not null)
        {
            try
            {
                if (!PipelineCheckpoint.Supports(compiled))
                {
                    throw new InvalidDataException(
                        $"Query '{query.Name}' has a checkpoint, but its pipeline holds an operator this release cannot checkpoint, so its state cannot be restored.");
                }
                // The blob itself is read into the run's pipeline by its driver (a damaged one faults the query there).
                CheckpointFormat.EnsureReadable(query.Name, checkpoint.FormatVersion);
            }
            catch (Exception ex) when (ex is CheckpointFormatException or InvalidDataException or EndOfStreamException)
            {
                logger.LogError("Query {Query} cannot resume: {Error}", query.Name, ex.Message);
                query.RecoveryError = ex.Message;
                return null;
            }
            // Resume from the checkpoint: its offsets, the rows the output held then, the journal after it.
            start = new InputOffsets(checkpoint.InputOffsets);
            baseHead = checkpoint.OutputHead;
            afterSequence = checkpoint.JournalSequence;
        }
        var journal = journaled ? await catalog.ReadJournalAsync(query.Name, afterSequence, cancellationToken) : [];
        var skip = fresh ? 0 : head - baseHead;
        logger.LogInformation("Query {Query} resumes {From}: replaying {Batches} journaled batch(es) from offsets [{Start}], {Skip} output row(s) already written.",
            query.Name, checkpoint is null ? "from its run's start" : "from its checkpoint", journal.Count, string.Join(", ", start.Offsets), skip);
        return new Resume(inputs, start, output, new QueryDurability(catalog, query.Name, journaled, journal, skip, lastSequence: afterSequence)
        {
            Restore = checkpoint,
            Resumed = !fresh,
        });
    }
}
