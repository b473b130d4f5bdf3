namespace Sluice.Data.Ingest;

/// <summary>
/// Writes <see cref="Iso8601.FormatMilliseconds"/>' text, keeping the part up to the second (<c>yyyy-MM-ddTHH:mm:ss.</c>)
/// of the last instant it wrote: the rows one query writes mostly carry instants of the same second, and the calendar
/// arithmetic is most of the formatting's cost (docs/benchmarks.md, fourth pass of issue 13). Not thread-safe: one per
/// encoder.
/// </summary>
public sealed class MillisecondTimestampWriter
{
    private const int SecondPrefixLength = 20;

    private readonly byte[] secondText = new byte[Iso8601.MillisecondsLength];
    private long second = -1;

    /// <summary>Writes <c>yyyy-MM-ddTHH:mm:ss.fffZ</c> (24 bytes) for <paramref name="utc"/>.</summary>
    public int Format(DateTime utc, Span<byte> destination)
    {
        var ticks = utc.Ticks;
        var wholeSecond = ticks / TimeSpan.TicksPerSecond;
        if (wholeSecond != second)
        {
            Iso8601.FormatMilliseconds(utc, secondText);
            second = wholeSecond;
        }
        secondText.AsSpan(0, SecondPrefixLength).CopyTo(destination);
        var millisecond = (int)(ticks % TimeSpan.TicksPerSecond / TimeSpan.TicksPerMillisecond);
        destination[20] = (byte)('0' + millisecond / 100);
        destination[21] = (byte)('0' + millisecond / 10 % 10);
        destination[22] = (byte)('0' + millisecond % 10);
        destination[23] = (byte)'Z';
        return Iso8601.MillisecondsLength;
    }
}
