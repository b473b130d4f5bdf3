using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Sluice.Data.Queries;
using Sluice.Data.Streams;
using Sluice.Reactive.Runtime.Checkpoints;
using Sluice.Reactive.Runtime.Cluster;

namespace Sluice.Reactive.Runtime;

/// <summary>What a lifecycle request came to.</summary>
public enum LifecycleOutcome
{
    Done,
    NotFound,
    Conflict,
    InputMissing,
}

public sealed record LifecycleResult(LifecycleOutcome Outcome, RegisteredQuery? Query = null, string? Detail = null);

/// <summary>
/// The registered queries and their runs. Definitions and states are saved in the <see cref="IQueryCatalog"/>
/// (PostgreSQL when configured) and brought back by <see cref="RecoverAsync"/> at start-up; a durable query resumes
/// exactly where it stood (<see cref="QueryDurability"/>, docs/durability.md). Lifecycle changes are serialized by one gate;
/// reads (list, describe, metrics) take no lock. Also says which streams a query reads or writes
/// (<see cref="FindDependent"/>), so the streams API does not delete them under it.
/// </summary>
public sealed class QueryRegistry : IAsyncDisposable
{
    private readonly ConcurrentDictionary<string, RegisteredQuery> queries = new(StringComparer.Ordinal);
    private readonly SemaphoreSlim gate = new(1, 1);
    private readonly StreamStore store;
    private readonly QueryTelemetry telemetry;
    private readonly QueryOptions options;
    private readonly ILoggerFactory loggers;
    private readonly TimeProvider time;
    private readonly IQueryCatalog catalog;
    private readonly IQueryPlacement? placement;
    private RecoveryPrefetch? prefetch;

    // A cluster node hosts or releases one query at a time, apart from the lifecycle gate (a lifecycle change waits on a grain that may be hosted here).
    private readonly SemaphoreSlim hosting = new(1, 1);

    // placement: set on a cluster node, where queries run where their grains are placed, not where they were registered (docs/cluster.md).
    public QueryRegistry(
        StreamStore store, QueryTelemetry telemetry, IOptions<QueryOptions> options, ILoggerFactory loggers, TimeProvider time, IQueryCatalog catalog,
        IQueryPlacement? placement = null)
    {
        this.store = store;
        this.placement = placement;
        this.catalog = catalog;
        this.telemetry = telemetry;
        this.options = options.Value;
        this.loggers = loggers;
        this.time = time;
        telemetry.ObserveRuns(() => queries.Values.Select(q => q.Run).OfType<QueryRun>());
    }

    public IReadOnlyList<RegisteredQuery> List() => queries.Values.OrderBy(q => q.Name, StringComparer.Ordinal).ToArray();

    public RegisteredQuery? Find(string name) => queries.TryGetValue(name, out var query) ? query : null;

    /// <summary>
    /// The query named <paramref name="name"/>, or null. On a cluster node a name unknown here makes the node catch up
    /// with the shared catalog (<see cref="SyncAsync"/>) before it answers: the query may have been registered through
    /// another node since the last sync. So a query registered through one node can be replaced, stopped or described
    /// through any other at once, not only a second later.
    /// </summary>
    public async ValueTask<RegisteredQuery?> FindAsync(string name, CancellationToken cancellationToken)
    {
        if (Find(name) is { } known)
        {
            return known;
        }
        if (placement is null)
        {
            return null;
        }
        await SyncAsync(cancellationToken);
        return Find(name);
    }

    /// <summary>True when registered queries survive a restart of the service (PostgreSQL is configured).</summary>
    public bool KeepsDefinitions => catalog.IsDurable;

    /// <summary>
    /// Starts reading what <see cref="RecoverAsync"/> needs from the catalog (the definitions, each running query's checkpoint)
    /// in the background, once the catalog's schema is current: the reads then overlap the rest of the start. Not on a cluster node.
    /// </summary>
    public void PrefetchRecovery()
    {
        if (placement is null && catalog.IsDurable) prefetch ??= new RecoveryPrefetch(catalog);
    }

    /// <summary>Brings back every query the catalog holds, each in the state it had (start-up, once, before requests).</summary>
    public Task RecoverAsync(CancellationToken cancellationToken) =>
        UnderGateAsync(async () =>
        {
            var ahead = Interlocked.Exchange(ref prefetch, null);
            var recovery = new QueryRecovery(store, catalog, loggers.CreateLogger("Sluice.Queries.Recovery"), ahead);
            foreach (var stored in await (ahead?.Queries.WaitAsync(cancellationToken) ?? catalog.LoadAsync(cancellationToken)))
            {
                if (recovery.Compile(stored) is not { } query)
                {
                    continue;
                }
                queries[query.Name] = query;
                query.RunningElsewhere = placement is not null && stored.Running;
                if (!stored.Running && Resolve(query.Compiled) is { } inputs)
                {
                    // Stopped by a user: not run now, but say what a start would make of it.
                    query.NotDurableReason = QueryRecovery.NotDurableReason(catalog, inputs, store.Find(query.Name));
                    query.Durable = query.NotDurableReason is null;
                }
                if (placement is null && stored.Running && await recovery.PrepareAsync(query, stored, cancellationToken) is { } resume)
                {
                    Launch(query, resume.Inputs, resume.Start, resume.Output,
                        resume.Durability is { } resumed ? new QueryDurability(catalog, query.Name, resumed.Journaled, resumed.Replay, resumed.RowsToSkip, resumed.LastSequence) { Checkpointer = CheckpointerOf(query), Restore = resumed.Restore, Resumed = resumed.Resumed } : null,
                        resume.NotDurableReason);
                }
            }
            return new LifecycleResult(LifecycleOutcome.Done);
        }, cancellationToken);

    /// <summary>Where the rows of query <paramref name="name"/>'s current definition begin in its output (after its last reset); null for no such query.</summary>
    private long? OutputStartOf(string name) => queries.TryGetValue(name, out var query) ? query.OutputStart : null;

    /// <summary>The first query (by name) that reads <paramref name="stream"/> or writes it; null when none does.</summary>
    public string? FindDependent(string stream) =>
        queries.Values.Where(q => q.Name == stream || q.Reads(stream)).Select(q => q.Name).Order(StringComparer.Ordinal).FirstOrDefault();

    /// <summary>Registers <paramref name="compiled"/> as <paramref name="name"/>, creates its output stream and starts it.</summary>
    public Task<LifecycleResult> RegisterAsync(string name, CompiledQuery compiled, StartFrom from, CancellationToken cancellationToken) =>
        UnderGateAsync(async () =>
        {
            if (queries.ContainsKey(name))
            {
                return new(LifecycleOutcome.Conflict, Detail: $"A query named '{name}' already exists.");
            }
            if (store.Find(name) is not null)
            {
                return new(LifecycleOutcome.Conflict, Detail: $"A stream named '{name}' already exists; a query writes to a new stream of its own name.");
            }
            var query = new RegisteredQuery(name, compiled, from, time.GetUtcNow());
            // Listed before its streams are touched, so no input can be deleted from under it meanwhile.
            queries[name] = query;
            var started = await StartRunAsync(query);
            if (started.Outcome != LifecycleOutcome.Done)
            {
                queries.TryRemove(name, out _);
                await catalog.RemoveAsync(name, CancellationToken.None);
            }
            return started;
        }, cancellationToken);

    /// <summary>
    /// Starts a stopped or faulted query afresh: its output stream is recreated empty and its state is
    /// rebuilt from its inputs (from their first retained offsets, or their heads for <see cref="StartFrom.Latest"/>).
    /// A running query is left as it is.
    /// </summary>
    public Task<LifecycleResult> StartAsync(string name, CancellationToken cancellationToken) =>
        ChangeQueryAsync(name, async query =>
        {
            if (query.State == QueryState.Running)
            {
                return new(LifecycleOutcome.Done, query);
            }
            if (FindReader(name) is { } reader)
            {
                return new(LifecycleOutcome.Conflict, query,
                    $"Query '{reader}' reads the output of '{name}'; restarting '{name}' recreates that stream, so delete '{reader}' first.");
            }
            if (placement is not null)
            {
                await placement.StopAsync(name, CancellationToken.None);
            }
            if (query.Run is not null)
            {
                await query.Run.StopAsync();
            }
            if (store.Find(name) is not null)
            {
                await store.DeleteAsync(name, CancellationToken.None);
            }
            return await StartRunAsync(query);
        }, cancellationToken);

    /// <summary>
    /// Replaces a query's definition with <paramref name="compiled"/> (PUT /api/queries/{name}, docs/durability.md): stops the
    /// current run, saves the new definition while discarding the old checkpoint and journal (atomically, in PostgreSQL), gives
    /// the output stream the new schema and appends one <c>{"op":"reset"}</c> event to it, then runs the new query from its inputs'
    /// first retained offsets (or heads, <see cref="StartFrom.Latest"/>): the backfill. Its rows after the reset are exactly those a
    /// fresh registration of the new text would write. Refused while another query reads this query's output.
    /// </summary>
    public Task<LifecycleResult> ReplaceAsync(string name, CompiledQuery compiled, StartFrom from, CancellationToken cancellationToken) =>
        ChangeQueryAsync(name, async current =>
        {
            if (FindReader(name) is { } reader)
            {
                return new(LifecycleOutcome.Conflict, current,
                    $"Query '{reader}' reads the output of '{name}'; replacing '{name}' starts that stream over (and may change its columns), so delete '{reader}' first.");
            }
            if (Resolve(compiled) is not { } inputs)
            {
                return new(LifecycleOutcome.InputMissing, current, $"Input stream '{compiled.Inputs.First(i => store.Find(i.Stream) is null).Stream}' does not exist.");
            }
            if (placement is not null)
            {
                return await ReplaceThroughGrainAsync(current, compiled, from, inputs);
            }
            if (current.Run is { } run)
            {
                await run.StopAsync();
            }
            var output = store.Find(name);
            if (output is null)
            {
                // Its output cannot be deleted while the query exists; recreate it anyway rather than fail half-way.
                await store.CreateAsync(OutputStreams.Define(name, compiled, time.GetUtcNow(), QueryRecovery.IsDurable(catalog, inputs) ? StorageKind.Postgres : StorageKind.Memory), CancellationToken.None);
                output = store.Find(name)!;
            }
            var start = InputOffsets.Of(inputs, latest: from == StartFrom.Latest, OutputStartOf);
            var until = InputOffsets.Of(inputs, latest: true);
            var replaced = new RegisteredQuery(name, compiled, from, current.CreatedAt)
            {
                // The reset event goes at the output's head; the new rows follow it. Saved first, so a crash before the reset is appended
                // comes back as the new query, which then appends the reset (QueryRecovery).
                OutputStart = output.Position.HeadOffset + 1,
                Backfill = new QueryBackfill(start, until),
            };
            await catalog.ReplaceAsync(QueryRecovery.ToStored(replaced, running: true, start, until), CancellationToken.None);
            queries[name] = replaced;
            replaced.OutputStart = await OutputStreams.ResetAsync(store, output, compiled, time.GetUtcNow());
            var reason = QueryRecovery.NotDurableReason(catalog, inputs, output);
            var durability = reason is null ? new QueryDurability(catalog, name, QueryDurability.Journals(compiled), [], rowsToSkip: 0, lastSequence: 0) { Checkpointer = CheckpointerOf(replaced) } : null;
            Launch(replaced, inputs, start, output, durability, reason);
            return new(LifecycleOutcome.Done, replaced);
        }, cancellationToken);

    /// <summary>
    /// Cluster node: a replace goes through the query's grain, like a start (docs/cluster.md, "Replace"). The run is stopped
    /// wherever it is (recorded as stopped first, so no coordinator starts the old definition meanwhile), the new definition
    /// is saved with its output starting after the current head, and the grain hosts it: the hosting node takes a new owner
    /// epoch and its recovery appends the <c>reset</c> event (the output's head is below the saved start) before the backfill,
    /// so a paused old owner can write nothing after the reset.
    /// </summary>
    private async Task<LifecycleResult> ReplaceThroughGrainAsync(RegisteredQuery current, CompiledQuery compiled, StartFrom from, StreamLog[] inputs)
    {
        var name = current.Name;
        await catalog.SetRunningAsync(name, running: false, CancellationToken.None);
        await placement!.StopAsync(name, CancellationToken.None);
        if (current.Run is { } run)
        {
            await run.StopAsync();
        }
        if (store.Find(name) is not { } output)
        {
            await store.CreateAsync(OutputStreams.Define(name, compiled, time.GetUtcNow(), QueryRecovery.IsDurable(catalog, inputs) ? StorageKind.Postgres : StorageKind.Memory), CancellationToken.None);
            output = store.Find(name)!;
        }
        // The last host may be another node: read the head its writes left, not this node's view of it.
        await output.RefreshHeadAsync(CancellationToken.None);
        var start = InputOffsets.Of(inputs, latest: from == StartFrom.Latest);
        var until = InputOffsets.Of(inputs, latest: true);
        var replaced = new RegisteredQuery(name, compiled, from, current.CreatedAt)
        {
            OutputStart = output.Position.HeadOffset + 1,
            Backfill = new QueryBackfill(start, until),
            RunningElsewhere = true,
            Durable = QueryRecovery.IsDurable(catalog, inputs),
        };
        await catalog.ReplaceAsync(QueryRecovery.ToStored(replaced, running: true, start, until), CancellationToken.None);
        queries[name] = replaced;
        await placement.RunAsync(name, CancellationToken.None);
        return new(LifecycleOutcome.Done, Find(name) ?? replaced);
    }

    /// <summary>Stops a query; its output stream and metrics stay as they are.</summary>
    public Task<LifecycleResult> StopAsync(string name, CancellationToken cancellationToken) =>
        ChangeQueryAsync(name, async query =>
        {
            if (placement is not null)
            {
                // Recorded first, so no node starts it again meanwhile.
                await catalog.SetRunningAsync(name, running: false, CancellationToken.None);
                await placement.StopAsync(name, CancellationToken.None);
                query.RunningElsewhere = false;
            }
            if (query.Run is { } run)
            {
                await run.StopAsync();
            }
            await catalog.SetRunningAsync(name, running: false, CancellationToken.None);
            return new(LifecycleOutcome.Done, query);
        }, cancellationToken);

    /// <summary>Stops a query and deletes it together with its output stream; refused while another query reads that stream.</summary>
    public Task<LifecycleResult> DeleteAsync(string name, CancellationToken cancellationToken) =>
        ChangeQueryAsync(name, async query =>
        {
            if (FindReader(name) is { } reader)
            {
                return new(LifecycleOutcome.Conflict, query, $"Query '{reader}' reads the output of '{name}'; delete '{reader}' first.");
            }
            if (placement is not null)
            {
                await catalog.SetRunningAsync(name, running: false, CancellationToken.None);
                await placement.StopAsync(name, CancellationToken.None);
            }
            if (query.Run is { } run)
            {
                await run.StopAsync();
            }
            queries.TryRemove(name, out _);
            // The definition goes first: a crash in between leaves an orphan stream, never a query that comes back without its output.
            await catalog.RemoveAsync(name, CancellationToken.None);
            await store.DeleteAsync(name, CancellationToken.None);
            return new(LifecycleOutcome.Done, query);
        }, cancellationToken);

    public async ValueTask DisposeAsync()
    {
        foreach (var run in queries.Values.Select(q => q.Run).OfType<QueryRun>())
        {
            await run.StopAsync();
        }
    }

    /// <summary>Runs one lifecycle change on the query called <paramref name="name"/>, alone; NotFound when there is none.</summary>
    private Task<LifecycleResult> ChangeQueryAsync(string name, Func<RegisteredQuery, Task<LifecycleResult>> change, CancellationToken cancellationToken) =>
        UnderGateAsync(() => Find(name) is { } query ? change(query) : Task.FromResult(new LifecycleResult(LifecycleOutcome.NotFound)), cancellationToken);

    /// <summary>Lifecycle changes run one at a time, so a check and the change it guards see the same registry.</summary>
    private async Task<LifecycleResult> UnderGateAsync(Func<Task<LifecycleResult>> change, CancellationToken cancellationToken)
    {
        await gate.WaitAsync(cancellationToken);
        try
        {
            return await change();
        }
        finally
        {
            gate.Release();
        }
    }

    private string? FindReader(string stream) =>
        queries.Values.Where(q => q.Name != stream && q.Reads(stream)).Select(q => q.Name).Order(StringComparer.Ordinal).FirstOrDefault();

    private async Task<LifecycleResult> StartRunAsync(RegisteredQuery query)
    {
        var compiled = query.Compiled;
        if (Resolve(compiled) is not { } inputs)
        {
            return new(LifecycleOutcome.InputMissing, query, $"Input stream '{compiled.Inputs.First(i => store.Find(i.Stream) is null).Stream}' does not exist.");
        }
        var start = InputOffsets.Of(inputs, latest: query.From == StartFrom.Latest, OutputStartOf);
        var until = InputOffsets.Of(inputs, latest: true);
        var durable = QueryRecovery.IsDurable(catalog, inputs);
        query.OutputStart = 0;
        query.Backfill = new QueryBackfill(start, until);
        // Saved before the output stream exists: a crash in between brings the query back and it creates its output then.
        await catalog.ResetProgressAsync(query.Name, CancellationToken.None);
        await catalog.SaveAsync(QueryRecovery.ToStored(query, running: true, start, until), CancellationToken.None);
        var definition = OutputStreams.Define(query.Name, compiled, time.GetUtcNow(), durable ? StorageKind.Postgres : StorageKind.Memory);
        var created = await store.CreateAsync(definition, CancellationToken.None);
        if (created != CreateStreamOutcome.Created)
        {
            return new(LifecycleOutcome.Conflict, query, $"A stream named '{query.Name}' already exists.");
        }
        if (placement is not null)
        {
            // The query's grain runs it, on whichever node Orleans places it; that node recovers it from what was just saved.
            query.RunningElsewhere = true;
            query.Durable = durable;
            await placement.RunAsync(query.Name, CancellationToken.None);
            return new(LifecycleOutcome.Done, query);
        }
        var durability = durable ? new QueryDurability(catalog, query.Name, QueryDurability.Journals(compiled), [], rowsToSkip: 0, lastSequence: 0) { Checkpointer = CheckpointerOf(query) } : null;
        var output = store.Find(query.Name)!;
        Launch(query, inputs, start, output, durability, QueryRecovery.NotDurableReason(catalog, inputs, output));
        return new(LifecycleOutcome.Done, query);
    }

    /// <summary>The input streams of <paramref name="compiled"/>, in the order of its inputs; null when one does not exist.</summary>
    private StreamLog[]? Resolve(CompiledQuery compiled)
    {
        var inputs = new StreamLog[compiled.Inputs.Count];
        for (var i = 0; i < inputs.Length; i++)
        {
            if (store.Find(compiled.Inputs[i].Stream) is not { } log)
            {
                return null;
            }
            inputs[i] = log;
        }
        return inputs;
    }

    /// <summary>
    /// Cluster node: runs <paramref name="name"/> here, as its grain asks after taking it over with owner epoch
    /// <paramref name="epoch"/>. Recovers it like a restart does (checkpoint, journal, skipping the rows its output holds),
    /// with every journal, checkpoint and output write fenced by that epoch. False when the catalog says it should not run.
    /// </summary>
    public async Task<bool> HostAsync(string name, long epoch, CancellationToken cancellationToken)
    {
        await hosting.WaitAsync(cancellationToken);
        try
        {
            if (Find(name) is { Run.State: QueryState.Running } running)
            {
                await running.Run!.StopAsync();
            }
            var stored = (await catalog.LoadAsync(cancellationToken)).FirstOrDefault(q => q.Name == name);
            if (stored is null || !stored.Running)
            {
                return false;
            }
            // Another node may have created the inputs or the output a moment ago, and appended since: catch up first.
            await store.SyncAsync(cancellationToken);
            var fenced = new FencedQueryCatalog(catalog, epoch);
            var recovery = new QueryRecovery(store, fenced, loggers.CreateLogger("Sluice.Queries.Recovery"));
            if (recovery.Compile(stored) is not { } query)
            {
                return false;
            }
            foreach (var stream in query.InputStreams.Append(name))
            {
                if (store.Find(stream) is { } log)
                {
                    await log.RefreshHeadAsync(cancellationToken);
                }
            }
            if (Find(name) is { } known && known.Compiled.Sql == query.Compiled.Sql)
            {
                query = known;
            }
            queries[name] = query;
            query.RunningElsewhere = false;
            if (await recovery.PrepareAsync(query, stored, cancellationToken) is not { } resume)
            {
                return false;
            }
            var durability = resume.Durability is { } resumed
                ? new QueryDurability(fenced, name, resumed.Journaled, resumed.Replay, resumed.RowsToSkip, resumed.LastSequence)
                {
                    Checkpointer = CheckpointerOf(query, fenced),
                    Restore = resumed.Restore,
                    Resumed = resumed.Resumed,
                    OutputConditions = new AppendConditions(FenceEpoch: epoch),
                }
                : null;
            Launch(query, resume.Inputs, resume.Start, resume.Output, durability, resume.NotDurableReason);
            return true;
        }
        finally
        {
            hosting.Release();
        }
    }

    /// <summary>Cluster node: stops the run of <paramref name="name"/> here (its grain is deactivating or the query was stopped); a final checkpoint is written (fenced).</summary>
    public async Task ReleaseAsync(string name)
    {
        await hosting.WaitAsync();
        try
        {
            if (Find(name) is { Run: { } run } query)
            {
                await run.StopAsync();
                query.Run = null;
            }
        }
        finally
        {
            hosting.Release();
        }
    }

    /// <summary>
    /// Cluster node: catches up with the query catalog that every node shares (the cluster's coordinator calls this each
    /// second): lists the queries registered on other nodes, forgets the ones deleted there, notes which run elsewhere.
    /// Under the lifecycle gate, so a registration in progress here is never mistaken for a deletion. Returns the catalog.
    /// </summary>
    public async Task<IReadOnlyList<StoredQuery>> SyncAsync(CancellationToken cancellationToken)
    {
        IReadOnlyList<StoredQuery> stored = [];
        await UnderGateAsync(async () =>
        {
            stored = await catalog.LoadAsync(cancellationToken);
            if (stored.Any(q => Find(q.Name) is null))
            {
                await store.SyncAsync(cancellationToken);
            }
            var recovery = new QueryRecovery(store, catalog, loggers.CreateLogger("Sluice.Queries.Recovery"));
            foreach (var definition in stored)
            {
                if (Find(definition.Name) is { Run: not { State: QueryState.Running } } replacedElsewhere && replacedElsewhere.Compiled.Sql != definition.Sql)
                {
                    // Replaced on another node: describe the new definition here too.
                    queries.TryRemove(definition.Name, out _);
                }
                if (Find(definition.Name) is not { } query)
                {
                    if (recovery.Compile(definition) is not { } compiled)
                    {
                        continue;
                    }
                    query = queries.GetOrAdd(definition.Name, compiled);
                    query.Durable = catalog.IsDurable && query.Compiled.Inputs.All(i => store.Find(i.Stream)?.Definition.Storage == StorageKind.Postgres);
                }
                query.RunningElsewhere = definition.Running && query.Run is not { State: QueryState.Running };
            }
            var names = stored.Select(q => q.Name).ToHashSet(StringComparer.Ordinal);
            foreach (var query in queries.Values)
            {
                if (!names.Contains(query.Name) && query.Run is not { State: QueryState.Running })
                {
                    queries.TryRemove(query.Name, out _);
                }
            }
            return new LifecycleResult(LifecycleOutcome.Done);
        }, cancellationToken);
        return stored;
    }

    /// <summary>A checkpointer for a durable query whose state this release can checkpoint; null for the others (they replay from their start).</summary>
    private QueryCheckpointer? CheckpointerOf(RegisteredQuery query, IQueryCatalog? writer = null) =>
        options.CheckpointInterval > TimeSpan.Zero && PipelineCheckpoint.Supports(query.Compiled)
            ? new QueryCheckpointer(writer ?? catalog, query.Name, options.CheckpointInterval, time, loggers.CreateLogger($"Sluice.Queries.{query.Name}"))
            : null;

    private void Launch(RegisteredQuery query, StreamLog[] inputs, InputOffsets start, StreamLog output, QueryDurability? durability, string? notDurableReason)
    {
        var compiled = query.Compiled;
        var run = new QueryRun(
            query.Name,
            compiled,
            inputs,
            start,
            output,
            compiled.Inputs.Count > 1 ? Math.Max(1, options.BatchSize / compiled.Inputs.Count) : options.BatchSize,
            loggers.CreateLogger($"Sluice.Queries.{query.Name}"),
            telemetry,
            durability,
            time);
        query.Durable = durability is not null;
        query.NotDurableReason = durability is null ? notDurableReason ?? "This run is not durable." : null;
        query.RecoveryError = null;
        query.Run = run;
        query.StartedAt = time.GetUtcNow();
        run.Start();
    }
}
