using Microsoft.Extensions.Options;

namespace Sluice.Api.Limits;

/// <summary>
/// <c>Limits:SubscriberBytes</c>: the bytes all live subscribers together may hold in their buffers, events read from
/// the log but not yet taken by their connection (SPEC §8). Each subscription's share is the budget divided by the
/// subscriptions running; one that holds its share and does not drain it within the stall timeout is ended with an
/// error naming the limit and the offset to resume from (<see cref="Live.SubscriptionPump"/>). 0 = unlimited.
/// </summary>
public sealed class SubscriberBudget(IOptions<LimitsOptions> options)
{
    private long used;
    private int subscriptions;

    public long Limit { get; } = Math.Max(0, options.Value.SubscriberBytes);

    /// <summary>Bytes held by all subscriber buffers now.</summary>
    public long Used => Interlocked.Read(ref used);

    /// <summary>What one subscription may hold while <see cref="Subscriptions"/> are running.</summary>
    public long Share => Limit / Math.Max(1, Volatile.Read(ref subscriptions));

    public int Subscriptions => Volatile.Read(ref subscriptions);

    /// <summary>A share for a new subscription; dispose it when the subscription ends.</summary>
    public SubscriberShare Join()
    {
        Interlocked.Increment(ref subscriptions);
        return new SubscriberShare(this);
    }

    internal void Add(long bytes) => Interlocked.Add(ref used, bytes);

    internal void Leave() => Interlocked.Decrement(ref subscriptions);
}

/// <summary>
/// One subscription's part of the <see cref="SubscriberBudget"/>: the pump takes an event's wire size before it buffers
/// the event, the buffer's reader gives it back when the connection takes the event.
/// </summary>
public sealed class SubscriberShare(SubscriberBudget budget) : IDisposable
{
    // Take, return and dispose change the held count and the budget together under this lock: a return racing with the
    // subscription's end would otherwise give back bytes that the end has already given back.
    private readonly Lock sync = new();
    private long held;
    private bool disposed;
    private volatile TaskCompletionSource? drained;

    public long Held => Interlocked.Read(ref held);

    public SubscriberBudget Budget => budget;

    /// <summary>Takes <paramref name="bytes"/> if they fit in this subscription's share (an empty buffer always takes one event).</summary>
    public bool TryTake(long bytes)
    {
        if (budget.Limit == 0)
        {
            return true;
        }
        lock (sync)
        {
            if (disposed)
            {
                // The subscription has ended: nothing it buffers now is counted, and nothing of it is given back.
                return true;
            }
            if (held > 0 && held + bytes > budget.Share)
            {
                return false;
            }
            Interlocked.Add(ref held, bytes);
            budget.Add(bytes);
        }
        return true;
    }

    /// <summary>The connection took an event of <paramref name="bytes"/>: gives them back and wakes a pump waiting for room.</summary>
    public void Return(long bytes)
    {
        if (budget.Limit == 0)
        {
            return;
        }
        lock (sync)
        {
            if (disposed)
            {
                return;
            }
            Interlocked.Add(ref held, -bytes);
            budget.Add(-bytes);
        }
        if (drained is { } waiter)
        {
            drained = null;
            waiter.TrySetResult();
        }
    }

    /// <summary>Waits up to <paramref name="timeout"/> for the reader to drain enough to take <paramref name="bytes"/>; false when it did not.</summary>
    public async ValueTask<bool> TakeWithinAsync(long bytes, TimeSpan timeout, CancellationToken cancellationToken)
    {
        if (timeout <= TimeSpan.Zero)
        {
            return false;
        }
        using var stall = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        stall.CancelAfter(timeout);
        try
        {
            while (true)
            {
                var waiter = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                drained = waiter;
                // Checked after announcing the wait, so a return that raced with it is not missed.
                if (TryTake(bytes))
                {
                    drained = null;
                    return true;
                }
                await waiter.Task.WaitAsync(stall.Token);
            }
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return false;
        }
    }

    /// <summary>The subscription ended: whatever it still holds goes back to the budget.</summary>
    public void Dispose()
    {
        lock (sync)
        {
            if (disposed)
            {
                return;
            }
            disposed = true;
            budget.Add(-Interlocked.Exchange(ref held, 0));
        }
        budget.Leave();
    }
}
