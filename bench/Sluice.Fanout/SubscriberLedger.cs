namespace Sluice.Fanout;

/// <summary>
/// What one subscriber received: checks that offsets arrive exactly once and in order (offset n is the n-th event),
/// as bench/signalr-load/load.mjs does, and keeps the latencies of a sampled subscriber. Written by one connection's
/// receive loop only, read after the run.
/// </summary>
public sealed class SubscriberLedger(long total, bool sampled, Action? finished = null)
{
    public long Delivered { get; private set; }

    /// <summary>Events whose offset was not the number of events received before them (a gap, duplicate or reordering).</summary>
    public long OutOfOrderEvents { get; private set; }

    public bool HandshakeDone { get; private set; }

    public string? Error { get; private set; }

    /// <summary>The service closed the connection (a close record, or the socket ended) before the run stopped it.</summary>
    public bool Closed { get; private set; }

    public double LastDeliveryMs { get; private set; }

    public List<double> LatenciesMs { get; } = sampled ? new List<double>(1024) : [];

    public bool Complete => Delivered == total && OutOfOrderEvents == 0;

    /// <summary>Reads complete records, each ending with the record separator 0x1E.</summary>
    public void Read(ReadOnlySpan<byte> records)
    {
        while (!records.IsEmpty)
        {
            var end = records.IndexOf(HubRecords.Separator);
            if (end < 0)
            {
                throw new ArgumentException("Records must end with the record separator.", nameof(records));
            }
            Record(records[..end]);
            records = records[(end + 1)..];
        }
    }

    public void ConnectionEnded(string? error)
    {
        Closed = true;
        Error ??= error;
    }

    private void Record(ReadOnlySpan<byte> record)
    {
        switch (HubRecords.Classify(record))
        {
            case HubRecordKind.Item:
                Item(record);
                break;
            case HubRecordKind.Handshake:
                HandshakeDone = true;
                Error ??= HubRecords.Error(record);
                break;
            case HubRecordKind.Completion:
                Error ??= HubRecords.Error(record) ?? "the subscription completed";
                break;
            case HubRecordKind.Close:
                ConnectionEnded(HubRecords.Error(record) ?? "the service closed the connection");
                break;
            case HubRecordKind.Ping:
                break;
            default:
                Error ??= "unexpected record: " + System.Text.Encoding.UTF8.GetString(record);
                break;
        }
    }

    private void Item(ReadOnlySpan<byte> record)
    {
        if (HubRecords.Offset(record) != Delivered)
        {
            OutOfOrderEvents++;
        }
        var now = FanoutClock.NowMs();
        LastDeliveryMs = now;
        if (sampled)
        {
            LatenciesMs.Add(now - HubRecords.SentAtMs(record));
        }
        if (++Delivered == total)
        {
            finished?.Invoke();
        }
    }
}
