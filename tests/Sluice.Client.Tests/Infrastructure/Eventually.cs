using System.Diagnostics;

namespace Sluice.Client.Tests.Infrastructure;

/// <summary>Waits for a condition with a deadline, checking it again whenever the previous check finished.</summary>
internal static class Eventually
{
    public static Task UntilAsync(Func<bool> condition, string what, int timeoutSeconds = 30) =>
        UntilAsync(() => Task.FromResult(condition()), what, timeoutSeconds);

    public static async Task UntilAsync(Func<Task<bool>> condition, string what, int timeoutSeconds = 30)
    {
        var deadline = Stopwatch.StartNew();
        while (!await condition())
        {
            if (deadline.Elapsed > TimeSpan.FromSeconds(timeoutSeconds))
            {
                Assert.Fail($"Timed out after {timeoutSeconds}s waiting for {what}.");
            }
            await Task.Delay(5);
        }
    }
}
