using System.Buffers;
using System.Buffers.Text;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Unicode;
using Sluice.Data.Ingest;

namespace Sluice.Reactive.Rows;

/// <summary>
/// Writes a row whose values are all of the common kinds (NULL, integers, booleans, timestamps, decimals and text
/// the encoder leaves alone) as JSON bytes directly, the bytes <see cref="System.Text.Json.Utf8JsonWriter"/> writes for
/// it, without the writer's per-token state and checks: every output row of q0 and q1 is such a row, and a bid row took
/// four fifths of the time (docs/benchmarks.md, "Ingest, decode and encode from bytes"). A row with any other value (a
/// double, a json value, text to escape) is declined with nothing written (the buffer advances only once the row is
/// whole), and <see cref="RowEncoder"/> writes it with the writer. Not thread-safe, as its <see cref="RowEncoder"/>: it keeps
/// the text of the last timestamp it wrote.
/// </summary>
internal sealed class DirectRowWriter
{
    private static readonly JavaScriptEncoder Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping;

    // "name": for each column, as the writer writes a property name in its encoded form.
    private readonly byte[][] quotedNames;
    private readonly byte[] quotedOp;
    private readonly MillisecondTimestampWriter timestamps = new();

    public DirectRowWriter(IEnumerable<ReadOnlyMemory<byte>> encodedNames, ReadOnlyMemory<byte> encodedOpName)
    {
        quotedNames = encodedNames.Select(Quote).ToArray();
        quotedOp = Quote(encodedOpName);
    }

    private static byte[] Quote(ReadOnlyMemory<byte> name) => [(byte)'"', .. name.Span, (byte)'"', (byte)':'];

    /// <summary>Appends the row to <paramref name="buffer"/> and returns true; false, with nothing written, when the writer has to write it.</summary>
    public bool TryWrite(ArrayBufferWriter<byte> buffer, object?[] values, ChangeOp? op)
    {
        var count = Math.Min(values.Length, quotedNames.Length);
        // The longest each value can be, so one span holds the whole row.
        var length = 2 + count + (op is null ? 0 : quotedOp.Length + 4);
        for (var i = 0; i < count; i++)
        {
            var most = MostBytes(values[i]);
            if (most < 0)
            {
                return false;
            }
            length += quotedNames[i].Length + most;
        }
        var span = buffer.GetSpan(length);
        var at = 0;
        span[at++] = (byte)'{';
        for (var i = 0; i < count; i++)
        {
            if (i > 0)
            {
                span[at++] = (byte)',';
            }
            quotedNames[i].CopyTo(span[at..]);
            at += quotedNames[i].Length;
            var written = WriteValue(values[i], span[at..]);
            if (written < 0)
            {
                return false;
            }
            at += written;
        }
        if (op is { } change)
        {
            if (count > 0)
            {
                span[at++] = (byte)',';
            }
            quotedOp.CopyTo(span[at..]);
            at += quotedOp.Length;
            span[at++] = (byte)'"';
            span[at++] = change == ChangeOp.Delete ? (byte)'-' : (byte)'+';
            span[at++] = (byte)'"';
        }
        span[at++] = (byte)'}';
        buffer.Advance(at);
        return true;
    }

    /// <summary>The most bytes <see cref="WriteValue"/> writes for <paramref name="value"/>; -1 for a kind it does not write.</summary>
    private static int MostBytes(object? value) => value switch
    {
        null => 4,
        long or int => 20,
        bool => 5,
        DateTime or DateTimeOffset => Iso8601.MillisecondsLength + 2,
        // The invariant general format of a decimal: 29 digits, a sign and a point.
        decimal => 31,
        string text => Encoding.UTF8.GetMaxByteCount(text.Length) + 2,
        _ => -1,
    };

    /// <summary>Writes the value and returns its length; -1 for text the writer would escape (or not valid UTF-16).</summary>
    private int WriteValue(object? value, Span<byte> into)
    {
        int written;
        switch (value)
        {
            case null:
                "null"u8.CopyTo(into);
                return 4;
            case long whole:
                Utf8Formatter.TryFormat(whole, into, out written);
                return written;
            case int small:
                Utf8Formatter.TryFormat(small, into, out written);
                return written;
            case bool flag:
                (flag ? "true"u8 : "false"u8).CopyTo(into);
                return flag ? 4 : 5;
            case DateTime instant:
                return WriteTimestamp(instant.Kind == DateTimeKind.Local ? instant.ToUniversalTime() : instant, into);
            case DateTimeOffset instantWithOffset:
                return WriteTimestamp(instantWithOffset.UtcDateTime, into);
            case decimal exact:
                Utf8Formatter.TryFormat(exact, into, out written);
                return written;
            default:
                into[0] = (byte)'"';
                if (Utf8.FromUtf16((string)value, into[1..], out _, out written, replaceInvalidSequences: false) != OperationStatus.Done
                    || Encoder.FindFirstCharacterToEncodeUtf8(into.Slice(1, written)) >= 0)
                {
                    return -1;
                }
                into[written + 1] = (byte)'"';
                return written + 2;
        }
    }

    private int WriteTimestamp(DateTime utc, Span<byte> into)
    {
        into[0] = (byte)'"';
        var written = timestamps.Format(utc, into[1..]);
        into[written + 1] = (byte)'"';
        return written + 2;
    }
}
