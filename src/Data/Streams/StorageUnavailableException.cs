namespace Sluice.Data.Streams;

/// <summary>
/// The storage a request needs cannot be used right now (PostgreSQL unreachable, or this service does not hold
/// the database's ownership guard). The caller may retry later; the API answers 503 with Retry-After.
/// </summary>
public sealed class StorageUnavailableException(string message, Exception? inner = null) : Exception(message, inner);
