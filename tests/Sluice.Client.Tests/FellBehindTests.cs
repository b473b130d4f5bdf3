using Sluice.Client.Tests.Infrastructure;

namespace Sluice.Client.Tests;

public sealed class FellBehindTests(FellBehindTests.Server server) : IClassFixture<FellBehindTests.Server>
{
    /// <summary>
    /// A service whose subscriptions end the moment their 20-event buffer is full (the strict overflow policy), so a
    /// replay of a few thousand events falls behind again and again, each time with "resume from offset N".
    /// </summary>
    public sealed class Server() : SluiceServer(new Dictionary<string, string?>
    {
        ["Live:SubscriberBufferSize"] = "20",
        ["Live:StallTimeout"] = "00:00:00",
    });

    [Fact]
    public async Task Subscribe_resumes_from_the_offset_a_fell_behind_error_names_on_the_same_connection()
    {
        const int total = 3_000;
        using var client = server.NewClient();
        await client.CreateStreamAsync(new StreamDefinition("flood", Capacity: 10_000));
        await client.AppendAsync("flood", Enumerable.Range(0, total).Select(n => new { n }));
        var started = server.Subscriptions.Started;
        var opened = server.Connections.Opened;
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var offsets = new List<long>();

        await foreach (var e in client.SubscribeAsync("flood", 0, timeout.Token))
        {
            offsets.Add(e.Offset);
            if (e.Offset == total - 1)
            {
                break;
            }
        }

        Assert.Equal(Enumerable.Range(0, total).Select(i => (long)i), offsets);
        Assert.True(server.Subscriptions.Started - started > 1, "the subscription should have fallen behind and been resumed");
        Assert.Equal(opened + 1, server.Connections.Opened);
    }

    [Fact]
    public async Task Observe_resumes_from_the_offset_a_fell_behind_error_names()
    {
        const int total = 3_000;
        using var client = server.NewClient();
        await client.CreateStreamAsync(new StreamDefinition("flood_observed", Capacity: 10_000));
        await client.AppendAsync("flood_observed", Enumerable.Range(0, total).Select(n => new { n }));
        var started = server.Subscriptions.Started;
        var offsets = new List<long>();
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

        using (client.Observe("flood_observed", 0).Subscribe(new Observer(e =>
        {
            offsets.Add(e.Offset);
            if (e.Offset == total - 1)
            {
                done.TrySetResult();
            }
        }, error => done.TrySetException(error))))
        {
            await done.Task.WaitAsync(TimeSpan.FromSeconds(60));
        }

        Assert.Equal(Enumerable.Range(0, total).Select(i => (long)i), offsets);
        Assert.True(server.Subscriptions.Started - started > 1, "the subscription should have fallen behind and been resumed");
    }

    private sealed class Observer(Action<StreamEvent> next, Action<Exception> error) : IObserver<StreamEvent>
    {
        public void OnNext(StreamEvent value) => next(value);

        public void OnError(Exception exception) => error(exception);

        public void OnCompleted()
        {
        }
    }
}
