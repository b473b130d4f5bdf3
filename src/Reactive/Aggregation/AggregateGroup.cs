using System.Runtime.CompilerServices;
using System.Text.Json;
using Sluice.Reactive.Runtime.Checkpoints;

namespace Sluice.Reactive.Aggregation;

/// <summary>
/// The state of one group: its key, accumulators, how many rows it holds and what it last emitted. A
/// <see cref="PackedAggregateGroup"/> keeps the aggregates its layout packs inline, and their accumulators are null.
/// </summary>
internal class AggregateGroup(GroupKey key, Accumulator[] accumulators)
{
    // How a checkpoint says what a group last emitted (format 3; format 2 wrote a bool, which reads as None or Row).
    private const byte NoneEmitted = 0;
    private const byte RowEmitted = 1;
    private const byte ResultEmitted = 2;

    public GroupKey Key { get; } = key;

    public Accumulator[] Accumulators { get; } = accumulators;

    /// <summary>This group with its packed aggregates (counters, best values, shared distinct tables), or null when every one has its accumulator.</summary>
    public PackedAggregateGroup? Packed => this as PackedAggregateGroup;

    public long Rows;

    /// <summary>The row this group last emitted; null when it emitted none, or when <see cref="LastEmittedIsResult"/> and not yet rebuilt.</summary>
    public object?[]? LastEmitted;

    /// <summary>
    /// True when what the group last emitted is exactly <see cref="ToRow()"/> now: same types, same decimal scales and
    /// double bits, the same JSON values. Then a checkpoint stores a marker instead of the row, and a restored group
    /// rebuilds the row only when an event touches it (GroupAggregateSink.OnRow): most groups of a large
    /// table are not touched soon after a restart, so recovery allocates nothing for their rows.
    /// </summary>
    public bool LastEmittedIsResult;

    // Copy-on-write captures of a GROUP BY's table (GroupTableCapture): the capture that claimed this group for
    // writing (the driver before changing it, or the writer thread), when it was written, and the bytes the driver wrote.
    internal int ClaimedEpoch;
    internal int WrittenEpoch;
    internal byte[]? CapturedBytes;

    // Mini-batching (GroupAggregateSink): 1 + this group's index in the batch's changed groups, 0 when the batch has not changed it.
    internal int BatchSlot;

    /// <summary>A new group of <paramref name="specs"/>, packed as <paramref name="layout"/> says when there is one.</summary>
    public static AggregateGroup Create(GroupKey key, AggregateSpec[] specs, PackedLayout? layout)
    {
        return layout is null ? new AggregateGroup(key, AggregateSpec.CreateAll(specs)) : layout.Create(key, specs);
    }

    public void Add(AggregateSpec[] specs, object?[] row)
    {
        if (Packed is { } packed) packed.Layout.Change(packed, specs, row, 1);
        else
        {
            for (var i = 0; i < specs.Length; i++) Accumulators[i].Add(specs[i].Argument?.Invoke(row));
        }
        Rows++;
    }

    public void Retract(AggregateSpec[] specs, object?[] row)
    {
        if (Packed is { } packed) packed.Layout.Change(packed, specs, row, -1);
        else
        {
            for (var i = 0; i < specs.Length; i++) Accumulators[i].Retract(specs[i].Argument?.Invoke(row));
        }
        Rows--;
    }

    /// <summary>
    /// Writes the whole group into a checkpoint: key, accumulators, rows and last emitted row (or the marker saying it is
    /// the result). A stored row is always in <see cref="ToRow()"/>'s layout, whatever layout the operator emits in
    /// (<paramref name="outputColumns"/>), so a checkpoint does not depend on the planner's choice.
    /// </summary>
    public static void Write(BinaryWriter writer, AggregateGroup group, int[]? outputColumns = null)
    {
        CheckpointValues.WriteKey(writer, group.Key);
        if (group.Packed is { } packed)
        {
            // The same bytes as the accumulators would write: packing is not part of the checkpoint format.
            for (var i = 0; i < group.Accumulators.Length; i++)
            {
                if (packed.Layout.IsPacked(i)) packed.Layout.WriteState(writer, packed, i);
                else group.Accumulators[i].WriteState(writer);
            }
        }
        else AggregateSpec.WriteAll(writer, group.Accumulators);
        writer.Write(group.Rows);
        if (group.LastEmittedIsResult)
        {
            writer.Write(ResultEmitted);
        }
        else if (group.LastEmitted is { } last)
        {
            writer.Write(RowEmitted);
            CheckpointValues.WriteRow(writer, outputColumns is null ? last : group.InResultLayout(last, outputColumns));
        }
        else
        {
            writer.Write(NoneEmitted);
        }
    }

    /// <summary>
    /// Reads what <see cref="Write"/> wrote; with <paramref name="outputColumns"/> the emitted row is put in that layout,
    /// with <paramref name="layout"/> the group is packed (whether or not the writer's was: the bytes are the same).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // recovery only: CheckpointValues.ReadKey says why
    public static AggregateGroup Read(BinaryReader reader, AggregateSpec[] specs, int[]? outputColumns = null, PackedLayout? layout = null)
    {
        var key = CheckpointValues.ReadKey(reader);
        AggregateGroup group;
        if (layout is null) group = new AggregateGroup(key, AggregateSpec.ReadAll(specs, reader));
        else
        {
            var packed = layout.Create(key, specs);
            group = packed;
            for (var i = 0; i < specs.Length; i++)
            {
                if (layout.IsPacked(i)) layout.ReadState(reader, packed, i);
                else group.Accumulators[i].ReadState(reader);
            }
        }
        group.Rows = reader.ReadInt64();
        switch (reader.ReadByte())
        {
            case NoneEmitted:
                break;
            case RowEmitted:
                group.LastEmitted = CheckpointValues.ReadRow(reader);
                group.ShareJsonWithState();
                if (outputColumns is not null) group.LastEmitted = InLayout(group.LastEmitted, outputColumns);
                break;
            case ResultEmitted:
                group.LastEmittedIsResult = true;
                break;
            case var other:
                throw UnknownEmittedMarker(other);
        }
        return group;
    }

    /// <summary>
    /// Reads through a group <see cref="Write"/> wrote, checking it as <see cref="Read"/> would but keeping nothing of it
    /// (a lazy restore, <see cref="RestoredGroups"/>; <paramref name="scratch"/> as <see cref="AggregateSpec.SkipAll"/> says), and returns its key's hash as <see cref="CheckpointValues.KeyHash"/> gives it.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // recovery only: CheckpointValues.ReadKey says why
    public static int Skip(BinaryReader reader, AggregateSpec[] specs, Accumulator[]? scratch)
    {
        var hash = CheckpointValues.ReadKeyHash(reader);
        AggregateSpec.SkipAll(specs, scratch, reader);
        reader.ReadInt64();
        switch (reader.ReadByte())
        {
            case NoneEmitted or ResultEmitted:
                break;
            case RowEmitted:
                CheckpointValues.ReadRow(reader);
                break;
            case var other:
                throw UnknownEmittedMarker(other);
        }
        return hash;
    }

    private static InvalidDataException UnknownEmittedMarker(byte marker) =>
        new($"A checkpoint says {marker} for what a group last emitted (0, 1 or 2 expected).");

    /// <summary>
    /// JSON values compare by identity: where the last emitted row held a JSON value equal to one of the group's state,
    /// it shares the restored one again, so an unchanged group is still recognised as unchanged (and emits nothing).
    /// </summary>
    private void ShareJsonWithState()
    {
        if (LastEmitted is not { } last || !Array.Exists(last, v => v is JsonElement)) return;
        var current = ToRow();
        for (var i = 0; i < last.Length && i < current.Length; i++)
        {
            if (last[i] is JsonElement was && current[i] is JsonElement now && was.GetRawText() == now.GetRawText()) last[i] = current[i];
        }
    }

    /// <summary>The output row: key values, then aggregate results.</summary>
    public object?[] ToRow()
    {
        var keyCount = Key.Count;
        var row = new object?[keyCount + Accumulators.Length];
        for (var i = 0; i < keyCount; i++) row[i] = Key[i];
        if (Packed is { } packed)
        {
            for (var i = 0; i < Accumulators.Length; i++) row[keyCount + i] = packed.Layout.Result(packed, i);
        }
        else
        {
            for (var i = 0; i < Accumulators.Length; i++) row[keyCount + i] = Accumulators[i].Result();
        }
        return row;
    }

    /// <summary>The output row in another layout: column i is <see cref="ToRow()"/>'s column <c>columns[i]</c>.</summary>
    public object?[] ToRow(int[] columns) => ToRow(columns, null);

    /// <summary>
    /// The output row in <paramref name="columns"/>' layout (null: <see cref="ToRow()"/>'s), where a packed count equal to
    /// the one in <paramref name="previous"/> (the row last emitted, in the same layout) reuses its box.
    /// </summary>
    public object?[] ToRow(int[]? columns, object?[]? previous)
    {
        if (columns is null && previous is null) return ToRow();
        var keyCount = Key.Count;
        var width = columns?.Length ?? keyCount + Accumulators.Length;
        var row = new object?[width];
        var packed = Packed;
        for (var i = 0; i < width; i++)
        {
            var column = columns is null ? i : columns[i];
            if (column < keyCount) row[i] = Key[column];
            else if (packed is null) row[i] = Accumulators[column - keyCount].Result();
            else row[i] = packed.Layout.Result(packed, column - keyCount, previous?[i]);
        }
        return row;
    }

    // An emitted row of ToRow(columns)'s layout put back in ToRow()'s: the emitted values exactly (1.00 stays 1.00), and
    // the result's values in the columns the layout leaves out.
    private object?[] InResultLayout(object?[] row, int[] columns)
    {
        var result = ToRow();
        for (var i = 0; i < columns.Length; i++) result[columns[i]] = row[i];
        return result;
    }

    // A row of ToRow()'s layout rearranged as ToRow(columns) would build it.
    private static object?[] InLayout(object?[] row, int[] columns)
    {
        var arranged = new object?[columns.Length];
        for (var i = 0; i < columns.Length; i++) arranged[i] = row[columns[i]];
        return arranged;
    }

    /// <summary>
    /// Whether two rows hold the very same values, representation included (what <see cref="LastEmittedIsResult"/>
    /// needs): <see cref="object.Equals(object?, object?)"/> takes 1.0 and 1.00, 0.0 and -0.0, or a timestamp of two kinds as equal, but they print differently.
    /// </summary>
    public static bool Identical(object?[] a, object?[] b)
    {
        if (a.Length != b.Length) return false;
        for (var i = 0; i < a.Length; i++)
        {
            var same = (a[i], b[i]) switch
            {
                (null, null) => true,
                (decimal x, decimal y) => decimal.GetBits(x).AsSpan().SequenceEqual(decimal.GetBits(y)),
                (double x, double y) => BitConverter.DoubleToInt64Bits(x) == BitConverter.DoubleToInt64Bits(y),
                (DateTime x, DateTime y) => x.Ticks == y.Ticks && x.Kind == y.Kind,
                (JsonElement, JsonElement) => Equals(a[i], b[i]),
                (string?[] x, string?[] y) => x.AsSpan().SequenceEqual(y),
                (object?[], object?[]) => false, // value tuples of ordered aggregates never reach an output row
                (var x, var y) => x is not null && y is not null && x.GetType() == y.GetType() && x.Equals(y),
            };
            if (!same) return false;
        }
        return true;
    }
}
