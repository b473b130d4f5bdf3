using System.Runtime.CompilerServices;
using System.Text.Json;
using Sluice.Reactive.Aggregation;

namespace Sluice.Reactive.Runtime.Checkpoints;

/// <summary>
/// The one binary codec of row values in checkpoints: a tag byte, then the value. It keeps each value's runtime type
/// exactly (a bigint stays a <see cref="long"/>, a decimal keeps its scale, a double its bits, a timestamp its kind),
/// because restored state is looked up by value: a group key read back as another type would never match the next
/// event's. Every type a row can hold has a tag (<see cref="ColumnType"/>'s boxing plus intervals, text arrays and the
/// value tuples of ordered aggregates); any other type is refused when the checkpoint is written, never guessed at.
/// </summary>
public static class CheckpointValues
{
    private enum Tag : byte
    {
        Null = 0,
        Bigint = 1,
        Double = 2,
        Decimal = 3,
        Text = 4,
        True = 5,
        False = 6,
        Timestamp = 7,
        Json = 8,
        Interval = 9,
        TextArray = 10,
        Tuple = 11,
    }

    public static void Write(BinaryWriter writer, object? value)
    {
        ArgumentNullException.ThrowIfNull(writer);
        switch (value)
        {
            case null:
                writer.Write((byte)Tag.Null);
                break;
            case long l:
                writer.Write((byte)Tag.Bigint);
                writer.Write(l);
                break;
            case double d:
                writer.Write((byte)Tag.Double);
                writer.Write(d);
                break;
            case decimal m:
                writer.Write((byte)Tag.Decimal);
                writer.Write(m);
                break;
            case string s:
                writer.Write((byte)Tag.Text);
                writer.Write(s);
                break;
            case bool b:
                writer.Write((byte)(b ? Tag.True : Tag.False));
                break;
            case DateTime t:
                writer.Write((byte)Tag.Timestamp);
                writer.Write(t.ToBinary());
                break;
            case JsonElement json:
                writer.Write((byte)Tag.Json);
                writer.Write(json.GetRawText());
                break;
            case TimeSpan span:
                writer.Write((byte)Tag.Interval);
                writer.Write(span.Ticks);
                break;
            case string?[] texts:
                writer.Write((byte)Tag.TextArray);
                writer.Write(texts.Length);
                foreach (var text in texts)
                {
                    writer.Write(text is not null);
                    if (text is not null) writer.Write(text);
                }
                break;
            case object?[] tuple:
                writer.Write((byte)Tag.Tuple);
                WriteRow(writer, tuple);
                break;
            default:
                throw new NotSupportedException($"A checkpoint cannot hold a value of type {value.GetType().FullName}.");
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // recovery: see ReadKey
    public static object? Read(BinaryReader reader)
    {
        ArgumentNullException.ThrowIfNull(reader);
        var tag = (Tag)reader.ReadByte();
        return tag switch
        {
            Tag.Null => null,
            Tag.Bigint => reader.ReadInt64(),
            Tag.Double => reader.ReadDouble(),
            Tag.Decimal => reader.ReadDecimal(),
            Tag.Text => reader.ReadString(),
            Tag.True => true,
            Tag.False => false,
            Tag.Timestamp => DateTime.FromBinary(reader.ReadInt64()),
            Tag.Json => ReadJson(reader.ReadString()),
            Tag.Interval => new TimeSpan(reader.ReadInt64()),
            Tag.TextArray => ReadTextArray(reader),
            Tag.Tuple => ReadRow(reader),
            _ => throw new InvalidDataException($"Unknown value tag {(byte)tag} in a checkpoint."),
        };
    }

    /// <summary>A row (or any value array): its length, then each value.</summary>
    public static void WriteRow(BinaryWriter writer, object?[] row)
    {
        ArgumentNullException.ThrowIfNull(writer);
        ArgumentNullException.ThrowIfNull(row);
        writer.Write(row.Length);
        foreach (var value in row) Write(writer, value);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // recovery: see ReadKey
    public static object?[] ReadRow(BinaryReader reader)
    {
        ArgumentNullException.ThrowIfNull(reader);
        var row = new object?[ReadCount(reader)];
        for (var i = 0; i < row.Length; i++) row[i] = Read(reader);
        return row;
    }

    /// <summary>A row that may be absent (an outer join's missing side, a group that emitted nothing yet).</summary>
    public static void WriteOptionalRow(BinaryWriter writer, object?[]? row)
    {
        ArgumentNullException.ThrowIfNull(writer);
        writer.Write(row is not null);
        if (row is not null) WriteRow(writer, row);
    }

    public static object?[]? ReadOptionalRow(BinaryReader reader) => reader.ReadBoolean() ? ReadRow(reader) : null;

    /// <summary>A count or length, checked so a damaged blob fails with a message instead of a huge allocation.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // recovery: see ReadKey
    public static int ReadCount(BinaryReader reader)
    {
        ArgumentNullException.ThrowIfNull(reader);
        var count = reader.ReadInt32();
        if (count < 0 || count > reader.BaseStream.Length - reader.BaseStream.Position)
        {
            throw new InvalidDataException($"A checkpoint says {count} items where {reader.BaseStream.Length - reader.BaseStream.Position} byte(s) are left.");
        }
        return count;
    }

    internal static void WriteKey(BinaryWriter writer, GroupKey key)
    {
        writer.Write(key.Count);
        for (var i = 0; i < key.Count; i++) Write(writer, key[i]);
    }

    /// <summary>A key written by <see cref="WriteKey"/>, read straight into the key (recovery reads one per group; no array for up to three values).</summary>
    /// <remarks>
    /// The readers recovery calls once per group or value are compiled optimized at their first call
    /// (<see cref="MethodImplOptions.AggressiveOptimization"/>): they run only while a restart reads a checkpoint back, when the
    /// rest of the start is still being compiled, which keeps postponing tiered compilation's promotion of hot methods, so
    /// a large part of a million groups could be read by unoptimized code (docs/benchmarks.md, "Restore: optimized readers
    /// and GC settings"). Nothing of a running query's event path calls them, so they lose no profile-guided optimization there.
    /// </remarks>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static GroupKey ReadKey(BinaryReader reader)
    {
        var count = ReadCount(reader);
        var a = count > 0 ? Read(reader) : null;
        var b = count > 1 ? Read(reader) : null;
        var c = count > 2 ? Read(reader) : null;
        object?[]? more = null;
        if (count > 3)
        {
            more = new object?[count - 3];
            for (var i = 0; i < more.Length; i++) more[i] = Read(reader);
        }
        return GroupKey.FromParts(count, a, b, c, more);
    }

    /// <summary>
    /// The hash code <see cref="KeyHash"/> gives the key written by <see cref="WriteKey"/> at the reader's position, read
    /// past it without allocating for keys of bigint, double, timestamp, interval, boolean, NULL or short text values (a
    /// lazy restore hashes every key of a table, RestoredGroups; boxing each bigint key was most of its time).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // recovery: see ReadKey
    internal static int ReadKeyHash(BinaryReader reader)
    {
        var count = ReadCount(reader);
        var hash = new HashCode();
        hash.Add(count);
        for (var i = 0; i < count; i++) hash.Add(ReadValueHash(reader));
        return hash.ToHashCode();
    }

    /// <summary>A key's hash as <see cref="ReadKeyHash"/> gives it for that key's bytes: its values' own hash codes, combined.</summary>
    internal static int KeyHash(in GroupKey key)
    {
        var hash = new HashCode();
        hash.Add(key.Count);
        for (var i = 0; i < key.Count; i++) hash.Add(key[i]?.GetHashCode() ?? 0);
        return hash.ToHashCode();
    }

    // value?.GetHashCode() ?? 0 of the value Read would return, for the common key types without building that value.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // recovery: see ReadKey
    private static int ReadValueHash(BinaryReader reader)
    {
        var tag = (Tag)reader.ReadByte();
        switch (tag)
        {
            case Tag.Null:
                return 0;
            case Tag.Bigint:
                return reader.ReadInt64().GetHashCode();
            case Tag.Double:
                return reader.ReadDouble().GetHashCode();
            case Tag.True:
                return true.GetHashCode();
            case Tag.False:
                return false.GetHashCode();
            case Tag.Timestamp:
                return DateTime.FromBinary(reader.ReadInt64()).GetHashCode();
            case Tag.Interval:
                return new TimeSpan(reader.ReadInt64()).GetHashCode();
            case Tag.Text when reader.BaseStream is MemoryStream stream && stream.TryGetBuffer(out var buffer):
                var start = stream.Position;
                var length = reader.Read7BitEncodedInt();
                if (length >= 0 && length <= 256 && length <= stream.Length - stream.Position)
                {
                    // string.GetHashCode(span) is the string's own hash code; the UTF-8 decoding is ReadString's.
                    Span<char> chars = stackalloc char[256];
                    var written = System.Text.Encoding.UTF8.GetChars(buffer.AsSpan((int)stream.Position, length), chars);
                    stream.Position += length;
                    return string.GetHashCode(chars[..written]);
                }
                stream.Position = start;
                break;
        }
        // Read the value itself (the tag was read already: put it back in front of it).
        reader.BaseStream.Position--;
        return Read(reader)?.GetHashCode() ?? 0;
    }

    private static JsonElement ReadJson(string text)
    {
        using var document = JsonDocument.Parse(text);
        return document.RootElement.Clone();
    }

    private static string?[] ReadTextArray(BinaryReader reader)
    {
        var texts = new string?[ReadCount(reader)];
        for (var i = 0; i < texts.Length; i++) texts[i] = reader.ReadBoolean() ? reader.ReadString() : null;
        return texts;
    }
}
