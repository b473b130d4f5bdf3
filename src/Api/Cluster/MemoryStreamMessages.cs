using Sluice.Data.Streams;

namespace Sluice.Api.Cluster;

// What nodes send each other about a memory stream (IMemoryStreamGrain): Orleans-serializable copies of the Data types.

/// <summary>Whether the owner could answer for the incarnation the caller named.</summary>
[GenerateSerializer]
public enum OwnerAnswer
{
    /// <summary>It holds that incarnation; the rest of the message is its answer.</summary>
    Held,

    /// <summary>The catalog has no such memory stream (it was deleted).</summary>
    NotFound,

    /// <summary>The stream was started again under another incarnation (deleted and created again, or its previous owner died).</summary>
    Restarted,
}

/// <summary>An event to append, as ingest parsed it (a query's op inside its data, as the API shows it: <see cref="EventOps.WireData(NewEvent)"/>).</summary>
[GenerateSerializer, Immutable]
public sealed record ForwardedEvent([property: Id(0)] DateTimeOffset Timestamp, [property: Id(1)] byte[] Data);

/// <summary>An event as the owner stores it.</summary>
[GenerateSerializer, Immutable]
public sealed record ForwardedStoredEvent(
    [property: Id(0)] long Offset, [property: Id(1)] DateTimeOffset Timestamp, [property: Id(2)] DateTimeOffset IngestedAt, [property: Id(3)] byte[] Data)
{
    // A query's op travels inside the data, as the API shows it.
    public static ForwardedStoredEvent From(StoredEvent stored) => new(stored.Offset, stored.Timestamp, stored.IngestedAt, stored.WireData().ToArray());

    public StoredEvent ToStored() => new(Offset, Timestamp, IngestedAt, Data);
}

/// <summary>The owner's position (head and first retained offset) and the node it is.</summary>
[GenerateSerializer, Immutable]
public sealed record OwnerPosition([property: Id(0)] OwnerAnswer Answer, [property: Id(1)] long Head, [property: Id(2)] long FirstRetained, [property: Id(3)] string Owner)
{
    public LogPosition Position => new(Head, FirstRetained);
}

/// <summary>The conditions of a forwarded append (the idempotency key with its request digest, the expected offset).</summary>
[GenerateSerializer, Immutable]
public sealed record ForwardedConditions([property: Id(0)] string? Key, [property: Id(1)] byte[]? KeyHash, [property: Id(2)] long? ExpectedOffset)
{
    public static ForwardedConditions From(AppendConditions conditions) =>
        new(conditions.Key?.Value, conditions.Key?.RequestHash, conditions.ExpectedOffset);

    public AppendConditions ToConditions() =>
        Key is null && ExpectedOffset is null ? AppendConditions.None : new AppendConditions(Key is null ? null : new IdempotencyKey(Key, KeyHash ?? []), ExpectedOffset);
}

/// <summary>What a forwarded append came to: the fields of one <see cref="AppendOutcome"/> case, and the owner's position after.</summary>
[GenerateSerializer, Immutable]
public sealed record ForwardedAppend(
    [property: Id(0)] OwnerPosition Owner,
    [property: Id(1)] string Outcome,
    [property: Id(2)] long FirstOffset,
    [property: Id(3)] long LastOffset,
    [property: Id(4)] int Count,
    [property: Id(5)] bool Replayed,
    [property: Id(6)] string? Key,
    [property: Id(7)] long ExpectedOffset,
    [property: Id(8)] long CurrentOffset)
{
    public static ForwardedAppend Unanswered(OwnerPosition owner) => new(owner, "", 0, 0, 0, false, null, 0, 0);

    public static ForwardedAppend From(OwnerPosition owner, AppendOutcome outcome) => outcome switch
    {
        AppendOutcome.Appended a => new(owner, nameof(AppendOutcome.Appended), a.Result.FirstOffset, a.Result.LastOffset, a.Result.Count, a.Replayed, null, 0, 0),
        AppendOutcome.KeyReused k => new(owner, nameof(AppendOutcome.KeyReused), 0, 0, 0, false, k.Key, 0, 0),
        AppendOutcome.OffsetMismatch m => new(owner, nameof(AppendOutcome.OffsetMismatch), 0, 0, 0, false, null, m.ExpectedOffset, m.CurrentOffset),
        _ => throw new InvalidOperationException("Unknown append outcome."),
    };

    public AppendOutcome ToOutcome() => Outcome switch
    {
        nameof(AppendOutcome.Appended) => new AppendOutcome.Appended(new AppendResult(FirstOffset, LastOffset, Count), Replayed),
        nameof(AppendOutcome.KeyReused) => new AppendOutcome.KeyReused(Key!),
        nameof(AppendOutcome.OffsetMismatch) => new AppendOutcome.OffsetMismatch(ExpectedOffset, CurrentOffset),
        _ => throw new InvalidOperationException($"Unknown append outcome '{Outcome}'."),
    };
}

/// <summary>What a forwarded read came to: events (with the owner's position), or gone below <see cref="GoneBelow"/>.</summary>
[GenerateSerializer, Immutable]
public sealed record ForwardedRead([property: Id(0)] OwnerPosition Owner, [property: Id(1)] ForwardedStoredEvent[] Events, [property: Id(2)] long? GoneBelow)
{
    public ReadOutcome ToOutcome() => GoneBelow is { } first
        ? new ReadOutcome.Gone(first)
        : new ReadOutcome.Events(Array.ConvertAll(Events, e => e.ToStored()), Owner.Position);
}
