namespace Sluice.Reactive.Runtime.Checkpoints;

/// <summary>
/// The layout of a checkpoint's state blob: a magic number, the format version, then each checkpointed operator's state
/// in pipeline order, each prefixed by its length. A release reads every version up to <see cref="Current"/> and refuses
/// a newer one with <see cref="CheckpointFormatException"/>, naming both versions.
/// </summary>
public static class CheckpointFormat
{
    /// <summary>
    /// Version 3: the pipeline's counters, then every stateful operator's state (<see cref="PipelineCheckpoint"/>); a
    /// GROUP BY group whose last emitted row is exactly its current result stores a marker instead of the row.
    /// Version 2 wrote that row always (its flag byte, 0 or 1, reads the same way in version 3): it is still read.
    /// Version 1 (stateless pipelines only) held no operator state: it is read as such, the operators starting empty.
    /// </summary>
    public const int Current = 3;

    /// <summary>The version of checkpoints that held no operator state (only stateless queries were checkpointed).</summary>
    public const int StatelessOnly = 1;

    private const uint Magic = 0x4B43_4C53; // "SLCK", little-endian

    public static byte[] Write(IReadOnlyList<ICheckpointable> operators)
    {
        ArgumentNullException.ThrowIfNull(operators);
        return WriteParts(operators.Count, (i, writer) => operators[i].WriteState(writer));
    }

    /// <summary>The blob of <paramref name="count"/> operator states, each written by <paramref name="writeState"/>.</summary>
    internal static byte[] WriteParts(int count, Action<int, BinaryWriter> writeState)
    {
        using var buffer = new MemoryStream();
        using (var writer = new BinaryWriter(buffer, System.Text.Encoding.UTF8, leaveOpen: true))
        {
            writer.Write(Magic);
            writer.Write(Current);
            writer.Write(count);
            for (var i = 0; i < count; i++)
            {
                // One buffer for the whole blob: the length prefix is written as a placeholder and filled in after the state.
                var prefix = buffer.Position;
                writer.Write(0);
                writeState(i, writer);
                writer.Flush();
                var end = buffer.Position;
                buffer.Position = prefix;
                writer.Write(checked((int)(end - prefix - sizeof(int))));
                writer.Flush();
                buffer.Position = end;
            }
        }
        return buffer.ToArray();
    }

    /// <summary>Checks that this release can read a checkpoint of <paramref name="version"/> (the column beside the blob).</summary>
    public static void EnsureReadable(string query, int version)
    {
        if (version < 1 || version > Current)
        {
            throw new CheckpointFormatException(query, version);
        }
    }

    /// <summary>Restores <paramref name="operators"/> (the same pipeline shape that wrote <paramref name="blob"/>).</summary>
    public static void Read(string query, int version, byte[] blob, IReadOnlyList<ICheckpointable> operators)
    {
        ArgumentNullException.ThrowIfNull(blob);
        ArgumentNullException.ThrowIfNull(operators);
        EnsureReadable(query, version);
        using var reader = new BinaryReader(new MemoryStream(blob, writable: false));
        if (reader.ReadUInt32() != Magic)
        {
            throw new InvalidDataException($"The checkpoint of query '{query}' is not a Sluice checkpoint (bad magic number).");
        }
        var written = reader.ReadInt32();
        if (written != version)
        {
            throw new InvalidDataException($"The checkpoint of query '{query}' says format version {written} in its blob but {version} in its row.");
        }
        var count = reader.ReadInt32();
        if (version == StatelessOnly && count == 0)
        {
            // Written before operators had state in checkpoints, for a pipeline with none: nothing to restore.
            return;
        }
        if (count != operators.Count)
        {
            throw new InvalidDataException($"The checkpoint of query '{query}' holds {count} operator state(s); the pipeline has {operators.Count}.");
        }
        for (var i = 0; i < operators.Count; i++)
        {
            var length = reader.ReadInt32();
            // A view of the blob, not a copy (a state of 1,000,000 groups is tens of MB).
            var start = (int)reader.BaseStream.Position;
            if (length < 0 || length > blob.Length - start)
            {
                throw new InvalidDataException($"The checkpoint of query '{query}' says {length} byte(s) of state for operator {i} where {blob.Length - start} are left.");
            }
            // Visible, so that an operator may keep a view of the blob instead of decoding it all now (RestoredGroups).
            using var inner = new BinaryReader(new MemoryStream(blob, start, length, writable: false, publiclyVisible: true));
            reader.BaseStream.Position = start + length;
            operators[i].ReadState(inner);
            if (inner.BaseStream.Position != length)
            {
                throw new InvalidDataException($"The checkpoint of query '{query}' holds {length} byte(s) of state for operator {i}, which read {inner.BaseStream.Position}.");
            }
        }
    }
}

/// <summary>A checkpoint written by a format this release does not read.</summary>
public sealed class CheckpointFormatException(string query, int version)
    : Exception($"The checkpoint of query '{query}' has format version {version}; this release reads checkpoint format versions 1 to {CheckpointFormat.Current}. " +
                "Run the release that wrote it, or start the query again (POST /api/queries/{name}/start) to rebuild it from its inputs.")
{
    public int Version { get; } = version;
}
