using System.Diagnostics;

namespace Sluice.Api.Tests.Infrastructure;

/// <summary>Waits for a condition with a deadline, checking it again whenever the previous check finished.</summary>
internal static class Eventually
{
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(15);

    public static async Task<T> UntilAsync<T>(Func<Task<T>> probe, Func<T, bool> done, string what, TimeSpan? timeout = null)
    {
        var deadline = Stopwatch.StartNew();
        var limit = timeout ?? DefaultTimeout;
        while (true)
        {
            var value = await probe();
            if (done(value))
            {
                return value;
            }
            if (deadline.Elapsed > limit)
            {
                Assert.Fail($"Timed out after {limit.TotalSeconds}s waiting for {what}; last value: {value}");
            }
            // Yield between probes so the query's driver gets the CPU on a busy machine.
            await Task.Delay(5);
        }
    }

    public static Task<T> UntilAsync<T>(Func<T> probe, Func<T, bool> done, string what, TimeSpan? timeout = null) =>
        UntilAsync(() => Task.FromResult(probe()), done, what, timeout);

    /// <summary>
    /// Checks <paramref name="condition"/> until it holds, failing with <paramref name="failure"/> (made when it fails, so it
    /// can name the last state seen) once <paramref name="timeout"/> has passed; <paramref name="pause"/> spaces the checks
    /// (an HTTP read of another process's state, which cannot signal, need not run every few milliseconds).
    /// </summary>
    public static async Task UntilAsync(Func<Task<bool>> condition, Func<string> failure, TimeSpan timeout, TimeSpan pause)
    {
        var deadline = Stopwatch.StartNew();
        while (!await condition())
        {
            if (deadline.Elapsed >= timeout)
            {
                Assert.Fail(failure());
            }
            await Task.Delay(pause);
        }
    }
}
