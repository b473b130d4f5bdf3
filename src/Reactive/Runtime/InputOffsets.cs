namespace Sluice.Reactive.Runtime;

/// <summary>
/// Where a query run stands in each of its inputs: the next offset it reads, in the order of
/// <see cref="CompiledQuery.Inputs"/>. Immutable, so it can be stored as it is (a checkpoint) and a run started from it.
/// </summary>
public sealed record InputOffsets(IReadOnlyList<long> Offsets)
{
    /// <summary>Each input's first retained offset (the default start: complete output) or, with <paramref name="latest"/>, its head.</summary>
    public static InputOffsets Of(IReadOnlyList<Sluice.Data.Streams.StreamLog> inputs, bool latest) => Of(inputs, latest, _ => null);

    /// <summary>
    /// As <see cref="Of(IReadOnlyList{Sluice.Data.Streams.StreamLog}, bool)"/>, an input that is a replaced query's output
    /// starting at that query's current definition (<see cref="OutputStreams.EarliestOf"/>).
    /// </summary>
    public static InputOffsets Of(IReadOnlyList<Sluice.Data.Streams.StreamLog> inputs, bool latest, Func<string, long?> outputStartOf)
    {
        ArgumentNullException.ThrowIfNull(inputs);
        return new(inputs.Select(log => latest ? log.Position.HeadOffset : OutputStreams.EarliestOf(log, outputStartOf)).ToArray());
    }
}
