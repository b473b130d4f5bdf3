using Microsoft.Extensions.Options;
using Sluice.Api.Limits;

namespace Sluice.Api.Tests.Security;

/// <summary>The subscriber budget's bookkeeping when a connection takes an event while its subscription ends.</summary>
public sealed class SubscriberShareTests
{
    [Fact]
    public async Task An_event_returned_while_the_subscription_ends_is_given_back_once()
    {
        var budget = new SubscriberBudget(Options.Create(new LimitsOptions { SubscriberBytes = 1_000_000 }));
        for (var round = 0; round < 5_000; round++)
        {
            var share = budget.Join();
            Assert.True(share.TryTake(100));
            Assert.True(share.TryTake(50));
            using var start = new Barrier(2);
            var returning = Task.Run(() =>
            {
                start.SignalAndWait();
                share.Return(100);
            });
            start.SignalAndWait();
            share.Dispose();
            await returning;
            Assert.Equal(0, budget.Used);
        }
        Assert.Equal(0, budget.Subscriptions);
    }

    [Fact]
    public void Bytes_taken_after_the_subscription_ended_are_not_counted()
    {
        var budget = new SubscriberBudget(Options.Create(new LimitsOptions { SubscriberBytes = 1_000 }));
        var share = budget.Join();
        share.Dispose();
        Assert.True(share.TryTake(100));
        share.Return(100);
        Assert.Equal(0, budget.Used);
    }
}
