using Sluice.Api.Streams;
using Sluice.Reactive.Runtime;

namespace Sluice.Api.Queries;

/// <summary>Tells the streams API which streams a registered query reads or writes, so they are not deleted under it.</summary>
internal sealed class QueryStreamDependents(QueryRegistry registry) : IStreamDependents
{
    public string? FindDependent(string stream) => registry.FindDependent(stream);
}
