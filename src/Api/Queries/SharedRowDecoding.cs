using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using Sluice.Data.Streams;
using Sluice.Reactive;

namespace Sluice.Api.Queries;

/// <summary>
/// Hands query runs the <see cref="DecodedRowCache"/> of a stream and column layout. Caches are keyed by the
/// <see cref="StreamLog"/> instance, so a stream deleted and created again under the same name starts afresh,
/// and they go away with the log.
/// </summary>
internal sealed class SharedRowDecoding(int capacity)
{
    /// <summary>
    /// Rows kept per stream and layout: a few batches, so runs a little apart still share, but few enough that
    /// the rows mostly die young (a larger ring made every row outlive gen0).
    /// </summary>
    public const int DefaultCapacity = 4_096;

    private readonly ConditionalWeakTable<StreamLog, ConcurrentDictionary<string, DecodedRowCache>> byLog = new();

    public SharedRowDecoding()
        : this(DefaultCapacity)
    {
    }

    public DecodedRowCache For(StreamLog log, IReadOnlyList<ColumnInfo> columns)
    {
        var layouts = byLog.GetValue(log, _ => new ConcurrentDictionary<string, DecodedRowCache>(StringComparer.Ordinal));
        return layouts.GetOrAdd(LayoutOf(columns), static (_, state) => new DecodedRowCache(state.columns, state.capacity), (columns, capacity));
    }

    // Names are matched case-sensitively first by the decoder, so the layout key keeps their case.
    private static string LayoutOf(IReadOnlyList<ColumnInfo> columns) =>
        string.Join('\u001f', columns.Select(c => $"{c.Name}\u001e{(int)c.Type}"));
}
