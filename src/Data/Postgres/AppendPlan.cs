using Sluice.Data.Streams;

namespace Sluice.Data.Postgres;

/// <summary>
/// Decides, under the stream's lock, what a group of queued requests does: which are written and at which
/// offsets, which are answered from a stored idempotency key (or refused for reusing it with another body),
/// and which are refused because the stream's next offset is not the one they expected. Requests are taken
/// in queue order, so an expected offset is checked against the offsets the earlier requests of the group take.
/// </summary>
internal sealed class AppendPlan
{
    private AppendPlan(long first) => (FirstOffset, NextOffset) = (first, first);

    public long FirstOffset { get; }

    /// <summary>The stream's head once the written requests commit.</summary>
    public long NextOffset { get; private set; }

    /// <summary>The requests whose events are written, in offset order.</summary>
    public List<PendingAppend> ToWrite { get; } = [];

    /// <summary>The keys to store with the events.</summary>
    public List<StoredAppendKey> NewKeys { get; } = [];

    /// <summary>True when a keyed request would be refused for its expected offset without the stored keys having been checked.</summary>
    public bool NeedsStoredKeys { get; private set; }

    /// <summary>Every request's answer, delivered once the write commits.</summary>
    public List<(PendingAppend Request, AppendOutcome Outcome)> Outcomes { get; } = [];

    /// <param name="head">The stream's next offset.</param>
    /// <param name="stored">Keys known to be stored already (loaded after the database refused a duplicate); null on the first try.</param>
    public static AppendPlan Make(IReadOnlyList<PendingAppend> group, long head, IReadOnlyDictionary<string, StoredAppendKey>? stored, DateTimeOffset now)
    {
        var plan = new AppendPlan(head);
        Dictionary<string, StoredAppendKey>? inGroup = null;
        foreach (var request in group)
        {
            var key = request.Conditions.Key;
            if (key is not null)
            {
                if ((inGroup is not null && inGroup.TryGetValue(key.Value, out var earlier)) || (stored is not null && stored.TryGetValue(key.Value, out earlier)))
                {
                    plan.Outcomes.Add((request, key.SameRequestAs(earlier.RequestHash)
                        ? new AppendOutcome.Appended(new AppendResult(earlier.FirstOffset, earlier.FirstOffset + earlier.Count - 1, earlier.Count), Replayed: true)
                        : new AppendOutcome.KeyReused(key.Value)));
                    continue;
                }
            }
            if (request.Conditions.ExpectedOffset is { } expected && expected != plan.NextOffset)
            {
                // A retry of a request that did append finds the stream past its expected offset: its stored key must answer, not a 409.
                plan.NeedsStoredKeys |= key is not null && stored is null;
                plan.Outcomes.Add((request, new AppendOutcome.OffsetMismatch(expected, plan.NextOffset)));
                continue;
            }
            var first = plan.NextOffset;
            var count = request.Events.Count;
            plan.ToWrite.Add(request);
            plan.NextOffset += count;
            plan.Outcomes.Add((request, new AppendOutcome.Appended(new AppendResult(first, first + count - 1, count), Replayed: false)));
            if (key is not null)
            {
                var entry = new StoredAppendKey(key.Value, key.RequestHash, first, count, now);
                plan.NewKeys.Add(entry);
                (inGroup ??= new(StringComparer.Ordinal))[key.Value] = entry;
            }
        }
        return plan;
    }
}
