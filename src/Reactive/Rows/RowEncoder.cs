using System.Buffers;
using System.Globalization;
using System.Text.Encodings.Web;
using System.Text.Json;
using Sluice.Data.Ingest;

namespace Sluice.Reactive.Rows;

/// <summary>
/// Encodes output rows as UTF-8 JSON objects keyed by the output column names, with
/// <c>"op": "+"</c> or <c>"op": "-"</c> appended for updating queries.
/// </summary>
/// <remarks>
/// Values are written by their runtime type (columns typed <see cref="ColumnType.Any"/> hold any of them):
/// integers, doubles and decimals as JSON numbers (a NaN or infinite double as <c>null</c>, which JSON
/// cannot express), timestamps as ISO-8601 UTC strings with milliseconds, json values as they are, NULL as <c>null</c>.
/// Not thread-safe: it reuses one buffer and writer.
/// </remarks>
public sealed class RowEncoder
{
    /// <summary>The name of the change column of an updating query's output.</summary>
    public const string OpColumn = "op";

    private static readonly JsonEncodedText OpName = JsonEncodedText.Encode(OpColumn);
    private static readonly JsonEncodedText Insert = JsonEncodedText.Encode("+", JavaScriptEncoder.UnsafeRelaxedJsonEscaping);
    // Below the large object heap threshold (85,000 bytes).
    private const int ChunkBytes = 32 * 1024;

    private static readonly JsonEncodedText Delete = JsonEncodedText.Encode("-", JavaScriptEncoder.UnsafeRelaxedJsonEscaping);

    private readonly JsonEncodedText[] names;
    private readonly bool includeOp;
    private readonly ArrayBufferWriter<byte> buffer = new(256);
    private readonly Utf8JsonWriter writer;
    private readonly DirectRowWriter direct;
    private int[] ends = [];

    public RowEncoder(IReadOnlyList<ColumnInfo> columns, bool includeOp)
    {
        ArgumentNullException.ThrowIfNull(columns);
        names = columns.Select(c => JsonEncodedText.Encode(c.Name, JavaScriptEncoder.UnsafeRelaxedJsonEscaping)).ToArray();
        this.includeOp = includeOp;
        writer = new Utf8JsonWriter(buffer, WriterOptions);
        direct = new DirectRowWriter(names.Select(n => (ReadOnlyMemory<byte>)n.EncodedUtf8Bytes.ToArray()), OpName.EncodedUtf8Bytes.ToArray());
    }

    /// <summary>The writer options rows are written with (relaxed escaping, as ingest stores payloads).</summary>
    public static JsonWriterOptions WriterOptions { get; } = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>One row as a fresh UTF-8 JSON object.</summary>
    public byte[] Encode(OutputRow row)
    {
        buffer.ResetWrittenCount();
        Append(row);
        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>
    /// Encodes <paramref name="rows"/> into <paramref name="encoded"/> (one JSON object each, as <see cref="Encode"/>),
    /// packed side by side into a few shared arrays rather than one array per row: a query writes a whole batch at once,
    /// and fewer, larger objects are cheaper for the GC while the output stream retains them. Each array stays under
    /// the large object heap threshold unless a single row is larger.
    /// </summary>
    public void EncodeAll(IReadOnlyList<OutputRow> rows, Span<ReadOnlyMemory<byte>> encoded) =>
        EncodeRows(rows, encoded, intoFreshArrays: true);

    /// <summary>
    /// As <see cref="EncodeAll"/>, but into one buffer this encoder keeps and reuses: the payloads are valid only until
    /// the next call on this encoder. For an output log that copies what it appends (<c>StreamLog.CopiesAppendedData</c>),
    /// where the arrays <see cref="EncodeAll"/> makes would be garbage as soon as the append returns.
    /// </summary>
    public void EncodeAllReused(IReadOnlyList<OutputRow> rows, Span<ReadOnlyMemory<byte>> encoded) =>
        EncodeRows(rows, encoded, intoFreshArrays: false);

    private void EncodeRows(IReadOnlyList<OutputRow> rows, Span<ReadOnlyMemory<byte>> encoded, bool intoFreshArrays)
    {
        ArgumentNullException.ThrowIfNull(rows);
        if (encoded.Length < rows.Count)
        {
            throw new ArgumentException("One slot per row is needed.", nameof(encoded));
        }
        if (ends.Length < rows.Count)
        {
            ends = new int[Math.Max(rows.Count, ends.Length * 2)];
        }
        buffer.ResetWrittenCount();
        var slicedUpTo = 0;
        for (var i = 0; i < rows.Count; i++)
        {
            Append(rows[i]);
            ends[i] = buffer.WrittenCount;
            // Fresh arrays are cut once a chunk is full, so that each stays under the large object heap threshold.
            if (intoFreshArrays && buffer.WrittenCount >= ChunkBytes)
            {
                SliceWritten(slicedUpTo, i + 1, encoded, intoFreshArrays);
                slicedUpTo = i + 1;
            }
        }
        SliceWritten(slicedUpTo, rows.Count, encoded, intoFreshArrays);
    }

    /// <summary>Appends one row's JSON object to the buffer: directly when it can (<see cref="DirectRowWriter"/>), with the writer otherwise.</summary>
    private void Append(OutputRow row)
    {
        var op = includeOp ? row.Op : (ChangeOp?)null;
        if (direct.TryWrite(buffer, row.Values, op))
        {
            return;
        }
        writer.Reset();
        Write(writer, row.Values, op);
        writer.Flush();
    }

    /// <summary>
    /// Points <paramref name="encoded"/>[from..to] at those rows, all written since the buffer was last reset: in a
    /// fresh array copied from the buffer, or in the buffer itself. Sliced only once they are all written, as the buffer
    /// may have been replaced by a larger one meanwhile. The buffer starts over afterwards.
    /// </summary>
    private void SliceWritten(int from, int to, Span<ReadOnlyMemory<byte>> encoded, bool intoFreshArray)
    {
        if (from == to)
        {
            return;
        }
        ReadOnlyMemory<byte> bytes = intoFreshArray ? buffer.WrittenSpan.ToArray() : buffer.WrittenMemory;
        var start = 0;
        for (var i = from; i < to; i++)
        {
            encoded[i] = bytes[start..ends[i]];
            start = ends[i];
        }
        // Reset only moves the write position back (it zeroes nothing), so reused payloads stay valid until the next call.
        buffer.ResetWrittenCount();
    }

    /// <summary>Writes one row as a JSON object to <paramref name="target"/>; <paramref name="op"/> null leaves the op field out.</summary>
    public void Write(Utf8JsonWriter target, object?[] values, ChangeOp? op)
    {
        ArgumentNullException.ThrowIfNull(target);
        ArgumentNullException.ThrowIfNull(values);
        target.WriteStartObject();
        var count = Math.Min(values.Length, names.Length);
        for (var i = 0; i < count; i++)
        {
            target.WritePropertyName(names[i]);
            WriteValue(target, values[i]);
        }
        if (op is { } change)
        {
            target.WriteString(OpName, change == ChangeOp.Delete ? Delete : Insert);
        }
        target.WriteEndObject();
    }

    /// <summary>Writes one SQL value (boxed as <see cref="ColumnType"/> describes) as a JSON value.</summary>
    public static void WriteValue(Utf8JsonWriter target, object? value)
    {
        ArgumentNullException.ThrowIfNull(target);
        switch (value)
        {
            case null:
                target.WriteNullValue();
                break;
            case long whole:
                target.WriteNumberValue(whole);
                break;
            case int small:
                target.WriteNumberValue(small);
                break;
            case double real:
                if (double.IsFinite(real))
                {
                    target.WriteNumberValue(real);
                }
                else
                {
                    target.WriteNullValue();
                }
                break;
            case decimal exact:
                target.WriteNumberValue(exact);
                break;
            case string text:
                target.WriteStringValue(text);
                break;
            case bool flag:
                target.WriteBooleanValue(flag);
                break;
            case DateTime instant:
                EventTimestamps.WriteValue(target, instant);
                break;
            case DateTimeOffset instantWithOffset:
                EventTimestamps.WriteValue(target, instantWithOffset.UtcDateTime);
                break;
            case JsonElement json:
                if (json.ValueKind == JsonValueKind.Undefined)
                {
                    target.WriteNullValue();
                }
                else
                {
                    json.WriteTo(target);
                }
                break;
            case float single:
                if (float.IsFinite(single))
                {
                    target.WriteNumberValue(single);
                }
                else
                {
                    target.WriteNullValue();
                }
                break;
            case TimeSpan interval:
                target.WriteStringValue(System.Xml.XmlConvert.ToString(interval));
                break;
            default:
                target.WriteStringValue(Convert.ToString(value, CultureInfo.InvariantCulture));
                break;
        }
    }
}
