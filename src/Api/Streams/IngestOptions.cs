namespace Sluice.Api.Streams;

/// <summary>Limits on append requests (configuration section <c>Sluice:Ingest</c>).</summary>
public sealed class IngestOptions
{
    public const string Section = "Sluice:Ingest";

    /// <summary>Largest accepted append body, in bytes; larger bodies get 413.</summary>
    public long MaxBodyBytes { get; set; } = 16 * 1024 * 1024;

    /// <summary>Largest <c>limit</c> a range read accepts.</summary>
    public int MaxReadLimit { get; set; } = 10_000;
}
