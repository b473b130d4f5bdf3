using Sluice.Data.Streams;

namespace Sluice.Data.Memory;

/// <summary>
/// The idempotency keys of one memory stream and the answers they got, kept for the window and then
/// dropped oldest first. Not thread-safe: the log uses it under its append lock. Memory streams lose
/// their events on a restart, so their keys need not outlive the process either.
/// </summary>
internal sealed class MemoryAppendKeys(TimeSpan window)
{
    private readonly Dictionary<string, Remembered> byKey = new(StringComparer.Ordinal);
    private readonly Queue<(string Key, DateTimeOffset At)> byAge = new();

    public readonly record struct Remembered(byte[] RequestHash, AppendResult Result, DateTimeOffset At);

    public int Count => byKey.Count;

    public bool TryGet(string key, DateTimeOffset now, out Remembered remembered)
    {
        Prune(now);
        return byKey.TryGetValue(key, out remembered);
    }

    public void Add(IdempotencyKey key, AppendResult result, DateTimeOffset now)
    {
        byKey[key.Value] = new Remembered(key.RequestHash, result, now);
        byAge.Enqueue((key.Value, now));
    }

    private void Prune(DateTimeOffset now)
    {
        var expired = now - window;
        while (byAge.TryPeek(out var oldest) && oldest.At <= expired)
        {
            byAge.Dequeue();
            // A key re-added after it expired has a younger entry: only drop the entry this queue item stands for.
            if (byKey.TryGetValue(oldest.Key, out var current) && current.At == oldest.At)
            {
                byKey.Remove(oldest.Key);
            }
        }
    }
}
