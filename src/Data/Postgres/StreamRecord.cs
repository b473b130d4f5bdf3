namespace Sluice.Data.Postgres;

/// <summary>One row of the <c>streams</c> table: a stream definition of either engine.</summary>
public sealed class StreamRecord
{
    public required string Name { get; set; }

    /// <summary><c>memory</c> or <c>postgres</c>.</summary>
    public required string Storage { get; set; }

    public string? TimestampField { get; set; }

    public TimeSpan WatermarkDelay { get; set; }

    public int? Capacity { get; set; }

    /// <summary>The schema as a jsonb array of <c>{"name", "type"}</c> objects (an array keeps the field order; jsonb objects do not).</summary>
    public string? Schema { get; set; }

    public DateTimeOffset CreatedAt { get; set; }

    /// <summary>The query whose output this stream is, if any.</summary>
    public string? OutputOf { get; set; }
}
