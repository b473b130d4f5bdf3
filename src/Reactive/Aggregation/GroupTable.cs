using System.Diagnostics.CodeAnalysis;

namespace Sluice.Reactive.Aggregation;

/// <summary>
/// A running GROUP BY's groups by key: open addressing (linear probing, power-of-two capacity, at most three quarters
/// full) over 16-byte slots holding a key's hash and its group. A lookup reads one slot and then the group, which it
/// needs anyway; a <c>Dictionary</c> read a bucket, then a 56-byte entry in an array ten times the size, then the group.
/// With ten thousand groups out of cache (Nexmark q16), that entry was one more miss per event. Keys are compared only
/// on equal hashes, in the group (<see cref="AggregateGroup.Key"/>). Enumeration is in slot order.
/// </summary>
internal sealed class GroupTable
{
    private const int FirstCapacity = 16;

    private Slot[] slots = new Slot[FirstCapacity];
    private int count;

    public int Count => count;

    public bool TryGetValue(in GroupKey key, [MaybeNullWhen(false)] out AggregateGroup group)
    {
        var hash = key.GetHashCode();
        var slots = this.slots;
        var mask = slots.Length - 1;
        for (var index = Home(hash, mask); slots[index].Group is { } candidate; index = (index + 1) & mask)
        {
            if (slots[index].Hash == hash && candidate.Key.Equals(key))
            {
                group = candidate;
                return true;
            }
        }
        group = null;
        return false;
    }

    /// <summary>Adds a group whose key is not in the table.</summary>
    public void Add(AggregateGroup group)
    {
        if (count >= slots.Length - (slots.Length >> 2)) Resize(slots.Length * 2);
        Place(slots, group.Key.GetHashCode(), group);
        count++;
    }

    /// <summary>Removes the group of <paramref name="key"/>, if there is one.</summary>
    public void Remove(in GroupKey key)
    {
        var hash = key.GetHashCode();
        var mask = slots.Length - 1;
        for (var index = Home(hash, mask); slots[index].Group is { } candidate; index = (index + 1) & mask)
        {
            if (slots[index].Hash != hash || !candidate.Key.Equals(key)) continue;
            RemoveAt(index);
            return;
        }
    }

    /// <summary>Room for <paramref name="groups"/> groups without growing (a restore knows how many it reads).</summary>
    public void EnsureCapacity(int groups)
    {
        var capacity = slots.Length;
        while (groups > capacity - (capacity >> 2)) capacity *= 2;
        if (capacity != slots.Length) Resize(capacity);
    }

    /// <summary>The groups, in slot order (the table must not change meanwhile).</summary>
    public IEnumerable<AggregateGroup> Groups
    {
        get
        {
            foreach (var slot in slots)
            {
                if (slot.Group is { } group) yield return group;
            }
        }
    }

    /// <summary>The groups, in slot order.</summary>
    public AggregateGroup[] ToArray()
    {
        var groups = new AggregateGroup[count];
        var next = 0;
        foreach (var slot in slots)
        {
            if (slot.Group is { } group) groups[next++] = group;
        }
        return groups;
    }

    // Fibonacci hashing spreads hash codes that differ only in a few bits over the whole table.
    private static int Home(int hash, int mask) => (int)(((ulong)(uint)hash * 0x9E3779B97F4A7C15UL) >> 32) & mask;

    private static void Place(Slot[] slots, int hash, AggregateGroup group)
    {
        var mask = slots.Length - 1;
        var index = Home(hash, mask);
        while (slots[index].Group is not null) index = (index + 1) & mask;
        slots[index] = new Slot(hash, group);
    }

    private void Resize(int capacity)
    {
        var old = slots;
        slots = new Slot[capacity];
        foreach (var slot in old)
        {
            if (slot.Group is { } group) Place(slots, slot.Hash, group);
        }
    }

    // Linear probing's deletion without tombstones: later slots of the same run move back into the hole when their home
    // is not between the hole and where they stand, so every lookup still finds them before an empty slot.
    private void RemoveAt(int hole)
    {
        count--;
        var mask = slots.Length - 1;
        var index = hole;
        while (true)
        {
            index = (index + 1) & mask;
            if (slots[index].Group is null) break;
            var home = Home(slots[index].Hash, mask);
            var stays = hole <= index ? hole < home && home <= index : hole < home || home <= index;
            if (stays) continue;
            slots[hole] = slots[index];
            hole = index;
        }
        slots[hole] = default;
    }

    private readonly record struct Slot(int Hash, AggregateGroup? Group);
}
