using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics.X86;

namespace Sluice.Reactive.Aggregation;

/// <summary>
/// Asks the core to start loading memory that a later step will read (x86 PREFETCHT0; nothing elsewhere). A prefetch
/// never faults and changes nothing, so an address that the collector has since moved only wastes the hint. Used where a
/// batch of rows can be looked ahead in (GroupAggregateSink's pending rows): a cold group is a chain of cache misses
/// (key string, table slot, group) that a plain load would wait for one after the other.
/// </summary>
internal static class Prefetch
{
    private const int LineBytes = 64;

    /// <summary>The first <paramref name="lines"/> cache lines of <paramref name="target"/>, and <paramref name="linesBefore"/> before it.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static unsafe void Object(object? target, int lines, int linesBefore = 0)
    {
        if (!Sse.IsSupported || target is null) return;
        var address = Unsafe.As<object, nint>(ref target);
        for (var i = -linesBefore; i < lines; i++) Sse.Prefetch0((void*)(address + (i * LineBytes)));
    }

    /// <summary>The cache line holding <paramref name="location"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static unsafe void At<T>(ref T location)
    {
        if (Sse.IsSupported) Sse.Prefetch0(Unsafe.AsPointer(ref location));
    }
}
