namespace Sluice.Data.Ingest;

/// <summary>How an append request's body is framed.</summary>
public enum BodyFormat
{
    /// <summary><c>application/json</c>: one object, or an array of objects.</summary>
    Json,

    /// <summary><c>application/x-ndjson</c>: one object per line.</summary>
    Ndjson,
}
