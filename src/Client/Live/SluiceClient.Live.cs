namespace Sluice.Client;

public sealed partial class SluiceClient
{
    /// <summary>
    /// Follows <paramref name="stream"/> live over SignalR: every retained event from offset <paramref name="from"/> on
    /// (replay, then live), or from the current head when it is null. Resumes by itself after a disconnect or a
    /// "fell behind" ending, from the offset the service names, with no gap and no duplicate. Ends with a
    /// <see cref="SubscriptionException"/> when the stream is unknown or deleted or the offset is no longer retained.
    /// </summary>
    public IAsyncEnumerable<StreamEvent> SubscribeAsync(string stream, long? from = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(stream);
        return new LiveSubscription(this, stream, from).RunAsync(cancellationToken);
    }

    /// <summary>
    /// <see cref="SubscribeAsync"/> as a cold <see cref="IObservable{T}"/>: each observer gets its own resuming subscription;
    /// disposing its handle ends it. Errors that resuming cannot fix arrive in <see cref="IObserver{T}.OnError"/>.
    /// </summary>
    public IObservable<StreamEvent> Observe(string stream, long? from = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(stream);
        return new SubscriptionObservable(cancellationToken => SubscribeAsync(stream, from, cancellationToken));
    }
}
