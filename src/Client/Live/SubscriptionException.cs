namespace Sluice.Client;

/// <summary>
/// A live subscription ended for a reason that resubscribing cannot fix: the stream does not exist or was deleted,
/// or the offset to resume from is no longer retained. <see cref="Exception.Message"/> is the service's message.
/// </summary>
public sealed class SubscriptionException(string stream, string message, long? firstRetainedOffset, Exception? inner)
    : Exception(message, inner)
{
    /// <summary>The stream the subscription followed.</summary>
    public string Stream { get; } = stream;

    /// <summary>When the offset to resume from was evicted: the first offset still retained, to subscribe from if a gap is acceptable.</summary>
    public long? FirstRetainedOffset { get; } = firstRetainedOffset;
}
