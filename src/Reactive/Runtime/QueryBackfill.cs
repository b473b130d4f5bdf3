namespace Sluice.Reactive.Runtime;

/// <summary>
/// The input history a run rebuilds its output from: it starts at <see cref="From"/> and has caught up with what the
/// inputs held when it started once it reads past <see cref="Until"/> (each input's head then). Offsets in the order of
/// <see cref="CompiledQuery.Inputs"/>.
/// </summary>
public sealed record QueryBackfill(InputOffsets From, InputOffsets Until)
{
    /// <summary>Per input: offsets read of those to read (<paramref name="current"/> is where the run stands now).</summary>
    public IReadOnlyList<(long Done, long Total)> Progress(InputOffsets current)
    {
        ArgumentNullException.ThrowIfNull(current);
        var progress = new (long, long)[From.Offsets.Count];
        for (var i = 0; i < progress.Length; i++)
        {
            var total = Math.Max(0, Until.Offsets[i] - From.Offsets[i]);
            var at = i < current.Offsets.Count ? current.Offsets[i] : From.Offsets[i];
            progress[i] = (Math.Clamp(at - From.Offsets[i], 0, total), total);
        }
        return progress;
    }
}
