using Sluice.Data.Cluster;
using Sluice.Data.Streams;

namespace Sluice.Api.Cluster;

/// <summary>
/// Reaches memory streams' owners through their <see cref="IMemoryStreamGrain"/>s. A call the owner does not answer in
/// <see cref="CallTimeout"/> (its node died and is not yet declared dead), or answers for another incarnation, becomes a
/// <see cref="StorageUnavailableException"/>: 503 with Retry-After and a detail naming the stream and the reason.
/// </summary>
internal sealed class OrleansMemoryStreamOwners(IGrainFactory grains) : IMemoryStreamOwners
{
    /// <summary>Long enough for a loaded node, short against a client's patience; Orleans' own response timeout is 30 s.</summary>
    public static readonly TimeSpan CallTimeout = TimeSpan.FromSeconds(5);

    public async Task<string> ClaimAsync(StreamDefinition definition, CancellationToken cancellationToken) =>
        (await CallAsync(definition, g => g.ClaimAsync(Incarnation(definition)), CallTimeout, cancellationToken)).Owner;

    public async Task<(AppendOutcome Outcome, LogPosition Position)> AppendAsync(
        StreamDefinition definition, IReadOnlyList<NewEvent> events, AppendConditions conditions, CancellationToken cancellationToken)
    {
        var forwarded = new ForwardedEvent[events.Count];
        for (var i = 0; i < forwarded.Length; i++)
        {
            // A query's op travels inside the data, as the API shows it (the owner keeps it there, EventOp.None).
            forwarded[i] = new ForwardedEvent(events[i].Timestamp, events[i].WireData().ToArray());
        }
        var answer = await CallAsync(definition, g => g.AppendAsync(Incarnation(definition), forwarded, ForwardedConditions.From(conditions)), CallTimeout, cancellationToken);
        Check(definition, answer.Owner);
        return (answer.ToOutcome(), answer.Owner.Position);
    }

    public async Task<ReadOutcome> ReadAsync(StreamDefinition definition, long from, int limit, CancellationToken cancellationToken)
    {
        var answer = await CallAsync(definition, g => g.ReadAsync(Incarnation(definition), from, limit), CallTimeout, cancellationToken);
        if (answer.Owner.Answer == OwnerAnswer.NotFound)
        {
            return new ReadOutcome.NotFound();
        }
        Check(definition, answer.Owner);
        return answer.ToOutcome();
    }

    public async Task<LogPosition> PositionAsync(StreamDefinition definition, CancellationToken cancellationToken)
    {
        var answer = await CallAsync(definition, g => g.PositionAsync(Incarnation(definition)), CallTimeout, cancellationToken);
        Check(definition, answer);
        return answer.Position;
    }

    public async Task<LogPosition?> WaitForAppendAsync(StreamDefinition definition, long head, CancellationToken cancellationToken)
    {
        var answer = await CallAsync(definition, g => g.WaitForAppendAsync(Incarnation(definition), head), MemoryStreamGrain.WaitLimit + CallTimeout, cancellationToken);
        return answer.Answer == OwnerAnswer.Held ? answer.Position : null;
    }

    public Task DropAsync(StreamDefinition definition, CancellationToken cancellationToken) =>
        CallAsync(definition, async g =>
        {
            await g.DropAsync(Incarnation(definition));
            return true;
        }, CallTimeout, cancellationToken);

    private static long Incarnation(StreamDefinition definition) => definition.CreatedAt.UtcTicks;

    private async Task<T> CallAsync<T>(StreamDefinition definition, Func<IMemoryStreamGrain, Task<T>> call, TimeSpan timeout, CancellationToken cancellationToken)
    {
        try
        {
            return await call(grains.GetGrain<IMemoryStreamGrain>(definition.Name)).WaitAsync(timeout, cancellationToken);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            throw new StorageUnavailableException(
                $"Memory stream '{definition.Name}' lives on one node of the cluster, and that node did not answer ({ex.Message}). " +
                "If it died, the stream's events died with it and the stream starts again empty on another node; retry shortly.", ex);
        }
    }

    private static void Check(StreamDefinition definition, OwnerPosition answer)
    {
        switch (answer.Answer)
        {
            case OwnerAnswer.NotFound:
                throw new StorageUnavailableException($"Memory stream '{definition.Name}' was deleted meanwhile (node {answer.Owner} answered).");
            case OwnerAnswer.Restarted:
                throw new StorageUnavailableException(
                    $"Memory stream '{definition.Name}' started again, empty, on node {answer.Owner}: the node that held its events left the cluster " +
                    $"and they are gone; its offsets start again at {answer.FirstRetained}. Retry.");
        }
    }
}
