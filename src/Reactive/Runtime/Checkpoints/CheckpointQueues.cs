namespace Sluice.Reactive.Runtime.Checkpoints;

/// <summary>
/// Priority queues in checkpoints, restored to the very same heap: their items are written in heap-array order and
/// enqueued back in that order, which rebuilds the array unchanged (each item's parent is already in place and not
/// larger, so no item moves). Items with equal priorities therefore still come out in the order they would have,
/// which decides the order of rows emitted at one watermark.
/// </summary>
internal static class CheckpointQueues
{
    public static void Write<TElement, TPriority>(BinaryWriter writer, PriorityQueue<TElement, TPriority> queue, Action<TElement, TPriority> writeItem)
    {
        writer.Write(queue.Count);
        foreach (var (element, priority) in queue.UnorderedItems) writeItem(element, priority);
    }

    public static void Read<TElement, TPriority>(BinaryReader reader, PriorityQueue<TElement, TPriority> queue, Func<(TElement, TPriority)> readItem)
    {
        var count = CheckpointValues.ReadCount(reader);
        for (var i = 0; i < count; i++)
        {
            var (element, priority) = readItem();
            queue.Enqueue(element, priority);
        }
    }
}
