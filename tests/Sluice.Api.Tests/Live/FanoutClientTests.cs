using Sluice.Fanout;

namespace Sluice.Api.Tests.Live;

/// <summary>The fan-out benchmark's own client (bench/Sluice.Fanout) against the service: it counts every delivery.</summary>
public sealed class FanoutClientTests : IClassFixture<FanoutClientTests.Server>
{
    public sealed class Server() : LiveServer();

    private readonly Server server;

    public FanoutClientTests(Server server) => this.server = server;

    [Fact]
    public async Task Every_subscriber_counts_every_event_once_and_in_order_against_the_service()
    {
        var summary = await FanoutRun.RunAsync(new FanoutSettings(new Uri(server.BaseUrl))
        {
            Subscribers = 5,
            // 40 events due within the first microseconds: the pacer never waits for its schedule.
            Rate = 1_000_000,
            EventCount = 40,
            Wave = 2,
            SampleEvery = 1,
            IdleSeconds = 0,
            Settle = TimeSpan.Zero,
            DrainTimeout = TimeSpan.FromSeconds(30),
        }).WaitAsync(TimeSpan.FromSeconds(60));

        Assert.Equal(200, summary.ExpectedDeliveries);
        Assert.Equal(200, summary.Delivered);
        Assert.True(summary.Complete);
        Assert.Equal(0, summary.SubscribersIncomplete);
        Assert.Equal(0, summary.SubscribersOutOfOrder);
        Assert.Equal(0, summary.ConnectionsClosed);
        Assert.Empty(summary.Errors);
        // Every subscriber is sampled, so every delivery has a latency from the pacer's send time.
        Assert.InRange(summary.LatencyP50Ms, 0, 30_000);
        Assert.InRange(summary.LatencyMaxMs, summary.LatencyP99Ms, 30_000);
    }
}
