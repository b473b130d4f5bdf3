namespace Sluice.Data.Streams;

/// <summary>Where a stream's events live.</summary>
public enum StorageKind
{
    Memory,
    Postgres,
}
