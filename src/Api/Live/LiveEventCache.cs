using System.Runtime.CompilerServices;
using Sluice.Data.Streams;

namespace Sluice.Api.Live;

/// <summary>
/// The encoded <see cref="LiveEvent"/>s of one stream's recent offsets, shared by its subscribers so
/// that an event fanned out to N of them is encoded once. A ring indexed by offset, lock-free: a
/// slot holds the event made from one stored event; a reader whose stored event is not the one in
/// its slot (another offset, or the stream was recreated) makes its own and stores it unless the
/// slot already holds a newer offset, so a replaying subscriber does not push out the head.
/// Two readers racing on one slot may both encode; either result is correct.
/// </summary>
internal sealed class LiveEventCache(int capacity)
{
    private readonly Entry?[] ring = new Entry?[Math.Max(1, capacity)];

    public LiveEvent Get(StoredEvent stored)
    {
        ref var slot = ref ring[stored.Offset % ring.Length];
        var entry = Volatile.Read(ref slot);
        if (entry is not null && ReferenceEquals(entry.Stored, stored))
        {
            return entry.Live;
        }
        var live = LiveEvent.From(stored);
        if (entry is null || entry.Stored.Offset <= stored.Offset)
        {
            Volatile.Write(ref slot, new Entry(stored, live));
        }
        return live;
    }

    private sealed record Entry(StoredEvent Stored, LiveEvent Live);
}

/// <summary>One <see cref="LiveEventCache"/> per stream that has live subscribers; gone with the stream's log.</summary>
public sealed class LiveEventCaches(Microsoft.Extensions.Options.IOptions<LiveOptions> options)
{
    private readonly ConditionalWeakTable<StreamLog, LiveEventCache> caches = new();
    private readonly int capacity = options.Value.EncodedEventCacheSize;

    /// <summary>The shared cache for <paramref name="log"/>, or null when sharing is turned off.</summary>
    internal LiveEventCache? For(StreamLog log) => capacity <= 0 ? null : caches.GetValue(log, _ => new LiveEventCache(capacity));
}
