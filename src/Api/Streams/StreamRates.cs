using Sluice.Data.Streams;

namespace Sluice.Api.Streams;

public static class StreamRatesSetup
{
    public static IServiceCollection AddStreamRates(this IServiceCollection services) =>
        services.AddSingleton<StreamRates>().AddHostedService(sp => sp.GetRequiredService<StreamRates>());
}

/// <summary>
/// Events appended per second to each stream, as the server counts them: every second the head offset of every
/// stream is sampled, and the rate is the growth over the last few samples. Clients show this figure instead of
/// working one out from their own polling, which jitters with their timers and stops when the tab sleeps.
/// </summary>
public sealed class StreamRates(StreamStore store, TimeProvider time) : BackgroundService
{
    private static readonly TimeSpan Interval = TimeSpan.FromSeconds(1);
    private const int Samples = 6; // the rate covers the last five seconds

    private readonly Dictionary<string, Queue<(long Ticks, long Head)>> history = new(StringComparer.Ordinal);
    private readonly Lock gate = new();

    /// <summary>Events per second over the last few seconds; null until the stream has been sampled twice.</summary>
    public double? EventsPerSecond(string stream)
    {
        lock (gate)
        {
            if (!history.TryGetValue(stream, out var samples) || samples.Count < 2)
            {
                return null;
            }
            var (firstTicks, firstHead) = samples.Peek();
            var (lastTicks, lastHead) = samples.Last();
            var seconds = time.GetElapsedTime(firstTicks, lastTicks).TotalSeconds;
            return seconds > 0 ? Math.Max(0, lastHead - firstHead) / seconds : null;
        }
    }

    /// <summary>Takes one sample of every stream's head; public so tests can drive it with a fake clock.</summary>
    public void Sample()
    {
        var now = time.GetTimestamp();
        var logs = store.List();
        lock (gate)
        {
            foreach (var log in logs)
            {
                if (!history.TryGetValue(log.Definition.Name, out var samples))
                {
                    history[log.Definition.Name] = samples = new Queue<(long, long)>(Samples + 1);
                }
                samples.Enqueue((now, log.Position.HeadOffset));
                if (samples.Count > Samples)
                {
                    samples.Dequeue();
                }
            }
            // A deleted (or recreated) stream starts over.
            var live = logs.Select(l => l.Definition.Name).ToHashSet(StringComparer.Ordinal);
            foreach (var gone in history.Keys.Where(name => !live.Contains(name)).ToList())
            {
                history.Remove(gone);
            }
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(Interval, time);
        try
        {
            do
            {
                Sample();
            }
            while (await timer.WaitForNextTickAsync(stoppingToken));
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // stopping
        }
    }
}
