using Sluice.Reactive.Aggregation;
using Sluice.Reactive.Runtime.Checkpoints;

namespace Sluice.Reactive.Operators;

/// <summary>
/// SELECT DISTINCT: counts copies of each row; the first copy is emitted, and over a changelog the row is
/// retracted when its last copy is.
/// </summary>
internal sealed class DistinctSink(IObserver<Element> downstream, QueryStats stats) : UnarySink(downstream), ISnapshotCheckpointable
{
    private readonly Dictionary<GroupKey, long> counts = [];
    private DistinctStateCapture? idleCapture;
    private volatile bool captureOpen;

    /// <summary>Each distinct row with its number of copies.</summary>
    public void WriteState(BinaryWriter writer) => DistinctStateCapture.WriteEntries(writer, [.. counts]);

    /// <summary>The table now, copied on the driver, serialized later on another thread (<see cref="DistinctStateCapture"/>).</summary>
    public IStateCapture Capture()
    {
        if (captureOpen) throw new InvalidOperationException("A capture of this DISTINCT's table is still open.");
        var capture = Interlocked.Exchange(ref idleCapture, null) ?? new DistinctStateCapture(released =>
        {
            Volatile.Write(ref idleCapture, released);
            captureOpen = false;
        });
        captureOpen = true;
        capture.Take(counts);
        return capture;
    }

    public void ReadState(BinaryReader reader)
    {
        var count = CheckpointValues.ReadCount(reader);
        counts.EnsureCapacity(count);
        for (var i = 0; i < count; i++) counts.Add(CheckpointValues.ReadKey(reader), reader.ReadInt64());
        stats.AddStateSize(count);
    }

    protected override void OnRow(Element row)
    {
        var key = GroupKey.OfRow(row.Row!);
        if (row.Kind == ElementKind.Insert)
        {
            var n = counts.GetValueOrDefault(key);
            counts[key] = n + 1;
            if (n == 0)
            {
                stats.AddStateSize(1);
                Downstream.OnNext(row);
            }
        }
        else if (counts.TryGetValue(key, out var n))
        {
            if (n > 1) counts[key] = n - 1;
            else
            {
                counts.Remove(key);
                stats.AddStateSize(-1);
                Downstream.OnNext(row);
            }
        }
    }
}
