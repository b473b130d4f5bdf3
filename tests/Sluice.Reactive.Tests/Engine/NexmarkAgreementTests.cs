using Sluice.Nexmark;
using Sluice.Nexmark.Reference;
using Sluice.Reactive.Tests.Nexmark;

namespace Sluice.Reactive.Tests.Engine;

/// <summary>The engine's own check that each Nexmark query, run as a stream, ends with the batch reference's rows.</summary>
public sealed class NexmarkAgreementTests
{
    private static readonly List<NexmarkEvent> Events = NexmarkGenerator.Generate(20_000);

    [Theory]
    [InlineData("q0")]
    [InlineData("q1")]
    [InlineData("q2")]
    [InlineData("q3")]
    [InlineData("q4")]
    [InlineData("q5")]
    [InlineData("q7")]
    [InlineData("q8")]
    public void Streaming_result_equals_the_batch_reference(string name)
    {
        var query = QueryCompiler.Compile(NexmarkQueries.All[name], NexmarkStreamShapes.Instance);
        var actual = NexmarkPipeline.Run(query, Events);
        var expected = ResultRows.Of(NexmarkReference.Run(name, Events));
        Assert.Null(ResultRows.Difference(expected, actual));
    }
}
