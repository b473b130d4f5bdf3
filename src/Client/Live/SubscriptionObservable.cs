namespace Sluice.Client;

/// <summary>
/// A cold observable over a live subscription: each observer gets its own subscription, driven by one loop, so its
/// callbacks never overlap. Disposing the returned handle ends the subscription without calling the observer again.
/// </summary>
internal sealed class SubscriptionObservable(Func<CancellationToken, IAsyncEnumerable<StreamEvent>> subscribe) : IObservable<StreamEvent>
{
    public IDisposable Subscribe(IObserver<StreamEvent> observer)
    {
        ArgumentNullException.ThrowIfNull(observer);
        var stop = new CancellationTokenSource();
        _ = Task.Run(() => PumpAsync(observer, stop.Token));
        return new Unsubscriber(stop);
    }

    private async Task PumpAsync(IObserver<StreamEvent> observer, CancellationToken cancellationToken)
    {
        try
        {
            await foreach (var item in subscribe(cancellationToken).WithCancellation(cancellationToken))
            {
                observer.OnNext(item);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            return;
        }
        catch (Exception error)
        {
            if (!cancellationToken.IsCancellationRequested)
            {
                observer.OnError(error);
            }
            return;
        }
        observer.OnCompleted();
    }

    /// <summary>Cancels the pump. The source is not disposed: the pump may still be unwinding with its token.</summary>
    private sealed class Unsubscriber(CancellationTokenSource stop) : IDisposable
    {
        public void Dispose() => stop.Cancel();
    }
}
