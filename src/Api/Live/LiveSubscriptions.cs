namespace Sluice.Api.Live;

/// <summary>Counts the subscription pumps that are running, so a disconnect can be seen to release its pump.</summary>
public sealed class LiveSubscriptions
{
    private long active;
    private long started;

    /// <summary>Pumps running right now.</summary>
    public long Active => Interlocked.Read(ref active);

    /// <summary>Pumps ever started.</summary>
    public long Started => Interlocked.Read(ref started);

    internal void OnStarted()
    {
        Interlocked.Increment(ref started);
        Interlocked.Increment(ref active);
    }

    internal void OnEnded() => Interlocked.Decrement(ref active);
}
