using System.Diagnostics.CodeAnalysis;
using System.Threading.Channels;

namespace Sluice.Api.Live;

/// <summary>
/// What SignalR's stream loop reads for one subscription: each read takes every event its buffer holds (within a byte
/// bound) as one <see cref="LiveBatch"/>, so a subscriber that fell a few events behind catches up with one send instead
/// of one per event. The events, their order and the buffer's accounting (<see cref="BudgetedReader"/>) are the same.
/// </summary>
/// <remarks>
/// One batch object is reused for the whole subscription: SignalR awaits each stream item's write, which serializes the
/// item, before it reads the next, so the batch is never read while it is being refilled.
/// </remarks>
internal sealed class LiveBatchReader(ChannelReader<LiveEvent> events, long maxBatchBytes) : ChannelReader<LiveBatch>
{
    /// <summary>Events per batch at most, so one send stays a bounded piece of work.</summary>
    public const int MaxBatchEvents = 256;

    private readonly LiveBatch batch = new();

    public override Task Completion => events.Completion;

    public override bool TryRead([MaybeNullWhen(false)] out LiveBatch item)
    {
        if (!events.TryRead(out var first))
        {
            item = null;
            return false;
        }
        batch.Clear();
        batch.Add(first);
        // Peek before taking: an event that would overflow the bound stays in the buffer for the next batch. The bound
        // keeps what one send adds to the connection's pipe small, since a client that stopped reading pins it.
        while (batch.Events.Count < MaxBatchEvents
            && events.TryPeek(out var next)
            && batch.Bytes + next.Json.Length <= maxBatchBytes
            && events.TryRead(out next))
        {
            batch.Add(next);
        }
        item = batch;
        return true;
    }

    public override ValueTask<bool> WaitToReadAsync(CancellationToken cancellationToken = default) => events.WaitToReadAsync(cancellationToken);
}
