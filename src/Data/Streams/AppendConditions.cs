namespace Sluice.Data.Streams;

/// <summary>What an append asks of the log beyond "append these" (SPEC §7).</summary>
/// <param name="Key">Makes the append idempotent: a retry with the same key gets the first answer and appends nothing.</param>
/// <param name="ExpectedOffset">Append only if the stream's next offset is this one (optimistic concurrency).</param>
/// <param name="FenceEpoch">
/// In a cluster, the owner epoch of the query writing this (its output) stream: PostgreSQL refuses the append once the
/// query has moved to another node (docs/cluster.md). Ignored outside a cluster.
/// </param>
public sealed record AppendConditions(IdempotencyKey? Key = null, long? ExpectedOffset = null, long? FenceEpoch = null)
{
    public static readonly AppendConditions None = new();
}

/// <summary>
/// A client's idempotency key and a digest of the request it came with, so a retry can be told apart
/// from another request that reuses the key.
/// </summary>
/// <param name="Value">1–128 printable ASCII characters (<see cref="IdempotencyKeys.IsValid"/>).</param>
/// <param name="RequestHash">SHA-256 of the request's body (and anything else that makes two requests differ).</param>
public sealed record IdempotencyKey(string Value, byte[] RequestHash)
{
    public bool SameRequestAs(ReadOnlySpan<byte> otherHash) => RequestHash.AsSpan().SequenceEqual(otherHash);
}

/// <summary>The answer to an append with conditions.</summary>
public abstract record AppendOutcome
{
    private AppendOutcome() { }

    /// <summary>The events are stored; <paramref name="Replayed"/> when this is the stored answer to an earlier request with the same key.</summary>
    public sealed record Appended(AppendResult Result, bool Replayed) : AppendOutcome;

    /// <summary>The key was used before with another body: nothing appended.</summary>
    public sealed record KeyReused(string Key) : AppendOutcome;

    /// <summary>The stream's next offset was not the expected one: nothing appended.</summary>
    public sealed record OffsetMismatch(long ExpectedOffset, long CurrentOffset) : AppendOutcome;
}
