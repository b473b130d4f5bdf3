namespace Sluice.Api.Streams;

/// <summary>The HTTP headers of idempotent appends (SPEC §7), as Stripe and the IETF Idempotency-Key draft name them.</summary>
public static class AppendHeaders
{
    public const string IdempotencyKey = "Idempotency-Key";

    /// <summary>Set to <c>true</c> on an answer that repeats the first answer to the same key.</summary>
    public const string IdempotentReplayed = "Idempotent-Replayed";
}
