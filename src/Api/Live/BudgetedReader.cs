using System.Diagnostics.CodeAnalysis;
using System.Threading.Channels;
using Sluice.Api.Limits;

namespace Sluice.Api.Live;

/// <summary>
/// A subscriber buffer's reading end as SignalR sees it: each event the connection takes gives its bytes back to the
/// subscription's <see cref="SubscriberShare"/> of <c>Limits:SubscriberBytes</c>.
/// </summary>
internal sealed class BudgetedReader(ChannelReader<LiveEvent> inner, SubscriberShare share) : ChannelReader<LiveEvent>
{
    public override Task Completion => inner.Completion;

    public override bool CanCount => inner.CanCount;

    public override int Count => inner.Count;

    public override bool CanPeek => inner.CanPeek;

    public override bool TryPeek([MaybeNullWhen(false)] out LiveEvent item) => inner.TryPeek(out item);

    public override bool TryRead([MaybeNullWhen(false)] out LiveEvent item)
    {
        if (!inner.TryRead(out item))
        {
            return false;
        }
        share.Return(item.Json.Length);
        return true;
    }

    public override ValueTask<bool> WaitToReadAsync(CancellationToken cancellationToken = default) => inner.WaitToReadAsync(cancellationToken);
}
