namespace Sluice.Api.Streams;

/// <summary>Tells the streams API which query depends on a stream, so deleting it can be refused (409).</summary>
public interface IStreamDependents
{
    /// <summary>The name of a query that reads or writes <paramref name="stream"/>, or null when none does.</summary>
    string? FindDependent(string stream);
}

internal sealed class NoStreamDependents : IStreamDependents
{
    public string? FindDependent(string stream) => null;
}
