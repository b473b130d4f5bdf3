using Sluice.Api.Tests.Infrastructure;

namespace Sluice.Api.Tests.Queries;

/// <summary>The in-memory service as a class fixture (xunit needs a parameterless constructor).</summary>
public sealed class QueriesApp : SluiceApp
{
    public QueriesApp()
        : base(null, null)
    {
    }
}
