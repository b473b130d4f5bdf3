using System.Collections.Concurrent;
using Sluice.Data.Memory;
using Sluice.Data.Streams;

namespace Sluice.Api.Tests.Queries;

/// <summary>A memory engine whose logs count appends and reads, to observe how the runtime uses the store.</summary>
internal sealed class CountingEngine : IStreamEngine
{
    private readonly MemoryStreamEngine inner = new(TimeProvider.System);

    public ConcurrentDictionary<string, CountingLog> Logs { get; } = new();

    public StorageKind Kind => StorageKind.Memory;

    public async Task<StreamLog> CreateAsync(StreamDefinition definition, CancellationToken cancellationToken)
    {
        var log = new CountingLog(await inner.CreateAsync(definition, cancellationToken));
        Logs[definition.Name] = log;
        return log;
    }

    public Task<StreamLog> OpenAsync(StreamDefinition definition, CancellationToken cancellationToken) => CreateAsync(definition, cancellationToken);

    public Task DropAsync(StreamLog log, CancellationToken cancellationToken) => Task.CompletedTask;
}

internal sealed class CountingLog(StreamLog inner) : StreamLog(inner.Definition)
{
    private int appends;
    private int reads;
    private int emptyReads;
    private int largestAppend;

    public int Appends => Volatile.Read(ref appends);

    /// <summary>The most events one append carried.</summary>
    public int LargestAppend => Volatile.Read(ref largestAppend);

    public int Reads => Volatile.Read(ref reads);

    public int EmptyReads => Volatile.Read(ref emptyReads);

    public override LogPosition Position => inner.Position;

    public override async ValueTask<AppendResult> AppendAsync(IReadOnlyList<NewEvent> events, CancellationToken cancellationToken)
    {
        var result = await inner.AppendAsync(events, cancellationToken);
        Interlocked.Increment(ref appends);
        for (var seen = LargestAppend; events.Count > seen && Interlocked.CompareExchange(ref largestAppend, events.Count, seen) != seen; seen = LargestAppend)
        {
        }
        NotifyAppended();
        return result;
    }

    public override async ValueTask<ReadOutcome> ReadAsync(long from, int limit, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref reads);
        var outcome = await inner.ReadAsync(from, limit, cancellationToken);
        if (outcome is ReadOutcome.Events { Items.Count: 0 })
        {
            Interlocked.Increment(ref emptyReads);
        }
        return outcome;
    }
}
