using System.Diagnostics.Metrics;
using System.Text;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Sluice.Reactive.Runtime;
using Sluice.Data.Memory;
using Sluice.Data.Queries;
using Sluice.Data.Streams;
using Sluice.Reactive;

using Sluice.Api.Tests.Infrastructure;

namespace Sluice.Api.Tests.Queries;

/// <summary>A stream store and a query registry without the HTTP host, for testing the runtime directly.</summary>
internal sealed class RuntimeHarness : IAsyncDisposable
{
    private readonly ServiceProvider services;

    private readonly StorageKind storage;

    /// <param name="batchSize">Events a query reads per batch.</param>
    /// <param name="engine">The engine holding streams of kind <paramref name="storage"/>; output streams live in memory.</param>
    /// <param name="storage">The storage of streams made with <see cref="CreateStreamAsync"/>.</param>
    public RuntimeHarness(int batchSize = 1024, IStreamEngine? engine = null, StorageKind storage = StorageKind.Memory)
    {
        this.storage = storage;
        services = new ServiceCollection().AddMetrics().BuildServiceProvider();
        IStreamEngine[] engines = engine is null || engine.Kind == StorageKind.Memory
            ? [engine ?? new MemoryStreamEngine(TimeProvider.System)]
            : [engine, new MemoryStreamEngine(TimeProvider.System)];
        Store = new StreamStore(new MemoryStreamCatalog(), engines, TimeProvider.System);
        Registry = new QueryRegistry(
            Store,
            new QueryTelemetry(services.GetRequiredService<IMeterFactory>()),
            Options.Create(new QueryOptions { BatchSize = batchSize }),
            NullLoggerFactory.Instance,
            TimeProvider.System,
            new MemoryQueryCatalog());
    }

    public StreamStore Store { get; }

    public QueryRegistry Registry { get; }

    public async Task<StreamLog> CreateStreamAsync(string name, int capacity = StreamDefinition.DefaultCapacity)
    {
        var outcome = await Store.CreateAsync(
            new StreamDefinition(name, storage, null, TimeSpan.Zero, storage == StorageKind.Memory ? capacity : null, null, DateTimeOffset.UtcNow), CancellationToken.None);
        Assert.Equal(CreateStreamOutcome.Created, outcome);
        return Store.Find(name)!;
    }

    /// <summary>Appends <c>{"id": i, "text": "…"}</c> events in one batch.</summary>
    public async Task AppendAsync(string stream, params (long Id, string Text)[] events)
    {
        var batch = events
            .Select(e => new NewEvent(DateTimeOffset.UtcNow, Encoding.UTF8.GetBytes($"{{\"id\":{e.Id},\"text\":\"{e.Text}\"}}")))
            .ToArray();
        await Store.Find(stream)!.AppendAsync(batch, CancellationToken.None);
    }

    public async Task<RegisteredQuery> RegisterAsync(string name, CompiledQuery compiled, StartFrom from = StartFrom.Earliest)
    {
        var result = await Registry.RegisterAsync(name, compiled, from, CancellationToken.None);
        Assert.Equal(LifecycleOutcome.Done, result.Outcome);
        return result.Query!;
    }

    /// <summary>Waits until the query's current run has appended exactly <paramref name="rows"/> rows, failing if it faults.</summary>
    public static async Task<QueryRun> RowsOutAsync(RegisteredQuery query, long rows)
    {
        var run = await Eventually.UntilAsync(() => query.Run!, r => r.RowsOut >= rows || r.State != QueryState.Running, $"{rows} rows out of '{query.Name}'");
        Assert.True(run.State == QueryState.Running, $"query '{query.Name}' is {run.State}: {run.Error}");
        Assert.Equal(rows, run.RowsOut);
        return run;
    }

    public async Task<string[]> OutputTextsAsync(string stream)
    {
        var outcome = await Store.ReadAsync(stream, Store.Find(stream)!.Position.FirstRetainedOffset, 100_000, CancellationToken.None);
        // As the API shows them: a changelog op kept beside the data is its last field.
        return ((ReadOutcome.Events)outcome).Items.Select(e => Encoding.UTF8.GetString(e.WireData().Span)).ToArray();
    }

    public async ValueTask DisposeAsync()
    {
        await Registry.DisposeAsync();
        await services.DisposeAsync();
    }
}
