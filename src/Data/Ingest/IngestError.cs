namespace Sluice.Data.Ingest;

/// <summary>Why a batch was rejected, and where: the item index (JSON arrays), the line (NDJSON and JSON text) and the field.</summary>
public sealed record IngestError(string Detail, int? Item = null, int? Line = null, string? Field = null);
