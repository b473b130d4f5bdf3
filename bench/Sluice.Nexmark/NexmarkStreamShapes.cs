using Sluice.Reactive;

namespace Sluice.Nexmark;

/// <summary>The person, auction and bid streams as the planner sees them: typed schemas, event time from date_time, no watermark delay.</summary>
public sealed class NexmarkStreamShapes : IStreamShapes
{
    public static readonly NexmarkStreamShapes Instance = new();

    public StreamShape? Find(string name) =>
        NexmarkStreams.Names.Contains(name)
            ? new StreamShape(name, [.. NexmarkStreams.SchemaOf(name).Select(f => new ColumnInfo(f.Key, TypeOf(f.Value)))], NexmarkStreams.TimestampField, TimeSpan.Zero)
            : null;

    private static ColumnType TypeOf(string name) => name switch
    {
        "bigint" => ColumnType.Bigint,
        "timestamp" => ColumnType.Timestamp,
        "text" => ColumnType.Text,
        _ => throw new ArgumentException($"Nexmark schemas have no '{name}' fields.", nameof(name)),
    };
}
