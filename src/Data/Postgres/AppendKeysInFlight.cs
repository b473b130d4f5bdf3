namespace Sluice.Data.Postgres;

/// <summary>
/// The idempotency keys of a stream's pipelined groups between planning and commit. A group holding one of them must
/// not be planned against the stored keys alone: the first request's answer is the offsets it is about to commit.
/// Added under the stream's lock, removed when the group's write ends (after its commit), so a key leaves this set
/// only once it is stored or its group failed.
/// </summary>
internal sealed class AppendKeysInFlight
{
    private readonly HashSet<string> keys = new(StringComparer.Ordinal);

    public bool AnyOf(List<PendingAppend> group)
    {
        lock (keys)
        {
            return keys.Count > 0 && group.Exists(r => r.Conditions.Key is { } key && keys.Contains(key.Value));
        }
    }

    public void Add(List<StoredAppendKey> written)
    {
        if (written.Count == 0)
        {
            return;
        }
        lock (keys)
        {
            foreach (var key in written)
            {
                keys.Add(key.Key);
            }
        }
    }

    public void Remove(List<StoredAppendKey> written)
    {
        if (written.Count == 0)
        {
            return;
        }
        lock (keys)
        {
            foreach (var key in written)
            {
                keys.Remove(key.Key);
            }
        }
    }
}
