using Microsoft.Extensions.Logging;
using Sluice.Data.Queries;

namespace Sluice.Reactive.Runtime.Checkpoints;

/// <summary>
/// Takes a durable query's checkpoints: the driver offers one between batches, this keeps one every
/// <see cref="QueryOptions.CheckpointInterval"/> and serializes and writes it in the background, so live latency never waits for
/// the serialization or PostgreSQL (at most one write in flight; a checkpoint offered meanwhile is simply not taken). A failed write is
/// logged and costs only recovery time: the previous checkpoint and the journal still hold.
/// </summary>
public sealed class QueryCheckpointer(IQueryCatalog catalog, string query, TimeSpan interval, TimeProvider time, ILogger logger)
{
    private Task inFlight = Task.CompletedTask;
    private long lastTaken = time.GetTimestamp();
    private long written;
    private IReadOnlyList<long>? lastOffsets;

    /// <summary>Checkpoints written so far by this run.</summary>
    public long Written => Interlocked.Read(ref written);

    /// <summary>True when a checkpoint is due and the previous one is written.</summary>
    public bool Due => inFlight.IsCompleted && time.GetElapsedTime(lastTaken) >= interval;

    /// <summary>True when a checkpoint at <paramref name="offsets"/> is due: <see cref="Due"/>, and the last one taken is not at those offsets already.</summary>
    public bool DueAt(IReadOnlyList<long> offsets) => Due && !(lastOffsets is { } last && last.SequenceEqual(offsets));

    /// <summary>
    /// The run resumes from a checkpoint at <paramref name="offsets"/>: until it reads past them there is nothing new to save
    /// (after a restart, the first checkpoint would otherwise write the restored state again, tens of MB for a large one).
    /// </summary>
    public void ResumedAt(IReadOnlyList<long> offsets) => lastOffsets = offsets;

    /// <summary>Serializes and writes <paramref name="checkpoint"/> in the background (call when <see cref="Due"/>).</summary>
    public void Take(CapturedCheckpoint checkpoint)
    {
        lastTaken = time.GetTimestamp();
        lastOffsets = checkpoint.InputOffsets;
        // Off the driver: serializing a large state takes long; the capture keeps it as it was (copy-on-write).
        inFlight = Task.Run(() => WriteAsync(checkpoint));
    }

    /// <summary>
    /// How long an idle driver may wait for input before a checkpoint of <paramref name="offsets"/> is due; null when
    /// the last checkpoint taken is at those offsets already (nothing to save, wait for input alone).
    /// </summary>
    public TimeSpan? Pending(IReadOnlyList<long> offsets)
    {
        if (lastOffsets is { } last && last.SequenceEqual(offsets))
        {
            return null;
        }
        var left = interval - time.GetElapsedTime(lastTaken);
        return left > TimeSpan.FromMilliseconds(1) ? left : TimeSpan.FromMilliseconds(1);
    }

    /// <summary>
    /// The last checkpoint of a graceful stop (the driver has ended): waits for the one in flight, then, unless the last
    /// checkpoint is at <paramref name="offsets"/> already, captures this one with <paramref name="capture"/> and writes it.
    /// </summary>
    public async Task TakeFinalAsync(IReadOnlyList<long> offsets, Func<CapturedCheckpoint?> capture)
    {
        await inFlight;
        if (lastOffsets is { } last && last.SequenceEqual(offsets))
        {
            // Nothing moved since the last checkpoint (a second stop, or an idle query): write nothing.
            return;
        }
        if (capture() is not { } checkpoint)
        {
            return;
        }
        lastOffsets = checkpoint.InputOffsets;
        await WriteAsync(checkpoint);
    }

    private async Task WriteAsync(CapturedCheckpoint checkpoint)
    {
        try
        {
            await catalog.SaveCheckpointAsync(checkpoint.Serialize(), CancellationToken.None);
            Interlocked.Increment(ref written);
        }
        catch (Exception ex)
        {
            logger.LogWarning(ex, "Writing a checkpoint of query {Query} failed; the previous one still holds.", query);
        }
        finally
        {
            checkpoint.Release();
        }
    }
}
