using System.Text.Json;
using Sluice.Reactive.Runtime.Checkpoints;

namespace Sluice.Reactive.Aggregation;

/// <summary>The state of one group: its key, accumulators, how many rows it holds and what it last emitted.</summary>
internal sealed class AggregateGroup(GroupKey key, Accumulator[] accumulators)
{
    public GroupKey Key { get; } = key;

    public Accumulator[] Accumulators { get; } = accumulators;

    public long Rows;

    public object?[]? LastEmitted;

    public void Add(AggregateSpec[] specs, object?[] row)
    {
        for (var i = 0; i < specs.Length; i++) Accumulators[i].Add(specs[i].Argument?.Invoke(row));
        Rows++;
    }

    public void Retract(AggregateSpec[] specs, object?[] row)
    {
        for (var i = 0; i < specs.Length; i++) Accumulators[i].Retract(specs[i].Argument?.Invoke(row));
        Rows--;
    }

    /// <summary>
    /// Writes the whole group into a checkpoint: key, accumulators, rows and last emitted row. With
    /// <paramref name="outputColumns"/> (the row was emitted in that layout: <see cref="ToRow(int[])"/>) the row is written
    /// as <see cref="ToRow()"/> builds it, which is what it holds: a group's emitted row always equals its current result.
    /// </summary>
    public static void Write(BinaryWriter writer, AggregateGroup group, int[]? outputColumns = null)
    {
        CheckpointValues.WriteKey(writer, group.Key);
        AggregateSpec.WriteAll(writer, group.Accumulators);
        writer.Write(group.Rows);
        CheckpointValues.WriteOptionalRow(writer, outputColumns is null || group.LastEmitted is null ? group.LastEmitted : group.ToRow());
    }

    /// <summary>Reads what <see cref="Write"/> wrote; with <paramref name="outputColumns"/> the emitted row is rebuilt in that layout.</summary>
    public static AggregateGroup Read(BinaryReader reader, AggregateSpec[] specs, int[]? outputColumns = null)
    {
        var group = new AggregateGroup(CheckpointValues.ReadKey(reader), AggregateSpec.ReadAll(specs, reader))
        {
            Rows = reader.ReadInt64(),
            LastEmitted = CheckpointValues.ReadOptionalRow(reader),
        };
        if (outputColumns is not null && group.LastEmitted is not null) group.LastEmitted = group.ToRow(outputColumns);
        else if (group.LastEmitted is { } last && Array.Exists(last, v => v is JsonElement))
        {
            // JSON values compare by identity: where the last emitted row shared a JSON value with the group's state, it
            // shares the restored one again, so an unchanged group is still recognised as unchanged (and emits nothing).
            var current = group.ToRow();
            for (var i = 0; i < last.Length && i < current.Length; i++)
            {
                if (last[i] is JsonElement was && current[i] is JsonElement now && was.GetRawText() == now.GetRawText()) last[i] = current[i];
            }
        }
        return group;
    }

    /// <summary>The output row: key values, then aggregate results.</summary>
    public object?[] ToRow()
    {
        var keyCount = Key.Count;
        var row = new object?[keyCount + Accumulators.Length];
        for (var i = 0; i < keyCount; i++) row[i] = Key[i];
        for (var i = 0; i < Accumulators.Length; i++) row[keyCount + i] = Accumulators[i].Result();
        return row;
    }

    /// <summary>The output row in another layout: column i is <see cref="ToRow()"/>'s column <c>columns[i]</c>.</summary>
    public object?[] ToRow(int[] columns)
    {
        var keyCount = Key.Count;
        var row = new object?[columns.Length];
        for (var i = 0; i < columns.Length; i++)
        {
            var column = columns[i];
            row[i] = column < keyCount ? Key[column] : Accumulators[column - keyCount].Result();
        }
        return row;
    }
}
