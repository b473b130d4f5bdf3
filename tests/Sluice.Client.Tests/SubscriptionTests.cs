using System.Collections.Concurrent;
using System.Net;
using Sluice.Client.Tests.Infrastructure;

namespace Sluice.Client.Tests;

public sealed class SubscriptionTests(SluiceServer server) : IClassFixture<SluiceServer>
{
    private readonly SluiceClient client = server.NewClient();

    [Fact]
    public async Task Subscribe_replays_from_an_offset_then_delivers_live_events()
    {
        await client.CreateStreamAsync(new StreamDefinition("replay_live"));
        await AppendNumbersAsync("replay_live", 0, 10);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var received = new List<StreamEvent>();

        await foreach (var e in client.SubscribeAsync("replay_live", from: 3, timeout.Token))
        {
            received.Add(e);
            if (e.Offset == 9)
            {
                await AppendNumbersAsync("replay_live", 10, 5); // live from here
            }
            if (e.Offset == 14)
            {
                break;
            }
        }

        Assert.Equal(Range(3, 12), received.Select(e => e.Offset));
        Assert.Equal(Range(3, 12), received.Select(e => e.Data.GetProperty("n").GetInt64()));
        Assert.All(received, e => Assert.Null(e.Op));
    }

    [Fact]
    public async Task Subscribe_from_the_head_delivers_only_events_appended_after_the_call()
    {
        await client.CreateStreamAsync(new StreamDefinition("from_head"));
        await AppendNumbersAsync("from_head", 0, 5);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));

        var started = server.Subscriptions.Started;
        await using var events = client.SubscribeAsync("from_head", from: null, timeout.Token).GetAsyncEnumerator(timeout.Token);
        var first = events.MoveNextAsync(); // pins the head (offset 5), then subscribes from it
        await Eventually.UntilAsync(() => server.Subscriptions.Started > started, "the subscription started");
        await AppendNumbersAsync("from_head", 5, 2);

        Assert.True(await first);
        Assert.Equal(5, events.Current.Offset);
        Assert.True(await events.MoveNextAsync());
        Assert.Equal(6, events.Current.Offset);
    }

    [Fact]
    public async Task Subscribe_resumes_after_the_server_drops_the_connection_mid_stream_with_no_gap_and_no_duplicate()
    {
        await client.CreateStreamAsync(new StreamDefinition("dropped", Capacity: 100_000));
        var received = new ConcurrentQueue<long>();
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var reading = Task.Run(async () =>
        {
            await foreach (var e in client.SubscribeAsync("dropped", from: 0, stop.Token))
            {
                received.Enqueue(e.Offset);
            }
        });

        await AssertResumesAfterDropsAsync("dropped", received);

        await stop.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => reading);
    }

    [Fact]
    public async Task Observe_resumes_after_the_server_drops_the_connection_mid_stream_with_no_gap_and_no_duplicate()
    {
        await client.CreateStreamAsync(new StreamDefinition("observed", Capacity: 100_000));
        var observer = new RecordingObserver();

        using (client.Observe("observed", from: 0).Subscribe(observer))
        {
            await AssertResumesAfterDropsAsync("observed", observer.Offsets);
        }

        Assert.Null(observer.Error);
        Assert.False(observer.Completed);
    }

    [Fact]
    public async Task Observe_reports_an_unknown_stream_as_an_error()
    {
        var observer = new RecordingObserver();

        using (client.Observe("never_created", from: 0).Subscribe(observer))
        {
            await Eventually.UntilAsync(() => observer.Error is not null, "the error");
        }

        var error = Assert.IsType<SubscriptionException>(observer.Error);
        Assert.Equal("There is no stream named 'never_created'.", error.Message);
        Assert.Equal("never_created", error.Stream);
    }

    [Fact]
    public async Task Subscribe_to_an_unknown_stream_from_the_head_fails_with_its_problem_details()
    {
        var error = await Assert.ThrowsAsync<SluiceException>(async () =>
        {
            await foreach (var _ in client.SubscribeAsync("never_created_either"))
            {
            }
        });
        Assert.Equal(HttpStatusCode.NotFound, error.Status);
    }

    [Fact]
    public async Task Subscribe_ends_with_the_first_retained_offset_when_the_start_was_evicted()
    {
        await client.CreateStreamAsync(new StreamDefinition("evicting", Capacity: 5));
        await AppendNumbersAsync("evicting", 0, 20);

        var error = await Assert.ThrowsAsync<SubscriptionException>(async () =>
        {
            await foreach (var _ in client.SubscribeAsync("evicting", from: 2))
            {
            }
        });

        Assert.Equal(15, error.FirstRetainedOffset);
    }

    [Fact]
    public async Task The_token_goes_to_the_hub_as_its_access_token()
    {
        await client.CreateStreamAsync(new StreamDefinition("with_token"));
        await AppendNumbersAsync("with_token", 0, 1);
        using var authenticated = server.NewClient(token: "sk_live_456");
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));

        await foreach (var _ in authenticated.SubscribeAsync("with_token", 0, timeout.Token))
        {
            break;
        }

        Assert.Contains("sk_live_456", server.Connections.AccessTokens);
    }

    [Fact]
    public async Task A_reconnect_policy_that_gives_up_ends_the_subscription_with_the_connection_error()
    {
        await client.CreateStreamAsync(new StreamDefinition("give_up"));
        using var fragile = new SluiceClient(new SluiceClientOptions { BaseAddress = server.BaseAddress, ReconnectDelay = _ => null });
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await using var events = fragile.SubscribeAsync("give_up", 0, timeout.Token).GetAsyncEnumerator(timeout.Token);
        var opened = server.Connections.Opened;

        var next = events.MoveNextAsync().AsTask();
        await Eventually.UntilAsync(() => server.Connections.Opened > opened, "the subscriber connected");
        Assert.True(server.Connections.AbortAll() >= 1, "the subscriber's connection should have been open");

        var error = await Assert.ThrowsAsync<SubscriptionException>(() => next);
        Assert.Contains("the reconnect policy gave up at attempt 1", error.Message, StringComparison.Ordinal);
        Assert.NotNull(error.InnerException);
        Assert.Equal(opened + 1, server.Connections.Opened);
    }

    /// <summary>
    /// Appends 30 batches while the subscriber reads; after batches 5, 15 and 25 the server aborts every hub connection.
    /// The subscriber must end up with exactly 0..N-1, and must have connected again after each drop.
    /// </summary>
    private async Task AssertResumesAfterDropsAsync(string stream, IReadOnlyCollection<long> received)
    {
        const int batches = 30, batchSize = 200, total = batches * batchSize;
        var opened = server.Connections.Opened;
        await Eventually.UntilAsync(() => server.Connections.Opened > opened, "the subscriber connected");
        for (var batch = 0; batch < batches; batch++)
        {
            await AppendNumbersAsync(stream, batch * batchSize, batchSize);
            if (batch % 10 == 5)
            {
                // Mid-stream: events of this batch are still on their way when the connection goes.
                await Eventually.UntilAsync(() => received.Count > batch * batchSize, "the subscriber is reading");
                var before = server.Connections.Opened;
                // At least the subscriber's connection (one of an earlier test may still be closing).
                Assert.True(server.Connections.AbortAll() >= 1, "the subscriber's connection should have been open");
                await Eventually.UntilAsync(() => server.Connections.Opened > before, "the subscriber reconnected");
            }
        }
        await Eventually.UntilAsync(() => received.Count >= total, $"all {total} events");

        Assert.Equal(Range(0, total), received.ToList());
    }

    private Task AppendNumbersAsync(string stream, long first, int count) =>
        client.AppendAsync(stream, Enumerable.Range(0, count).Select(i => new { n = first + i }));

    private static IEnumerable<long> Range(long first, int count) => Enumerable.Range(0, count).Select(i => first + i);

    private sealed class RecordingObserver : IObserver<StreamEvent>
    {
        private readonly ConcurrentQueue<long> offsets = new();

        public IReadOnlyCollection<long> Offsets => offsets;

        public Exception? Error { get; private set; }

        public bool Completed { get; private set; }

        public void OnNext(StreamEvent value) => offsets.Enqueue(value.Offset);

        public void OnError(Exception error) => Error = error;

        public void OnCompleted() => Completed = true;
    }
}
