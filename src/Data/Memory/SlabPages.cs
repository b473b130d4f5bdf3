using System.Runtime.InteropServices;

namespace Sluice.Data.Memory;

/// <summary>
/// Gives a fresh large payload slab its memory up front, in two system calls, instead of one page fault per 4 KiB page
/// as the copies first write it: the 2 MiB-aligned blocks inside the slab are marked for huge pages
/// (<c>MADV_HUGEPAGE</c>; Linux's usual transparent-huge-page mode grants them only on request), then every page of
/// the slab is populated writable (<c>MADV_POPULATE_WRITE</c>, Linux 5.14). A stream that keeps its events writes
/// every page of its slabs once; on a virtual machine a page fault costs about 16 µs, so filling 256 MiB of fresh
/// slabs took ×3 the CPU without this (docs/benchmarks.md, "Slab pages up front"). Only advice to the kernel: where a
/// call fails, or off Linux, the slab is written as before. <c>SLUICE_SLAB_PAGES=0</c> turns it off, for comparison.
/// </summary>
internal static class SlabPages
{
    /// <summary>Smaller slabs are not worth a system call, and live on the small-object heap, where the GC moves them.</summary>
    public const int MinBytes = 1 << 20;

    private const int MadviseHugePage = 14;
    private const int MadvisePopulateWrite = 23;
    private const long PageBytes = 4_096;
    private const long HugePageBytes = 2 << 20;

    private static readonly bool Enabled = OperatingSystem.IsLinux() && Environment.GetEnvironmentVariable("SLUICE_SLAB_PAGES") != "0";

    /// <summary>Prepares the pages of <paramref name="slab"/>, a fresh array of at least <see cref="MinBytes"/> (on the large-object heap).</summary>
    public static void Prepare(byte[] slab)
    {
        if (!Enabled || slab.Length < MinBytes)
        {
            return;
        }
        var handle = GCHandle.Alloc(slab, GCHandleType.Pinned);
        try
        {
            Prepare(handle.AddrOfPinnedObject(), slab.Length);
        }
        finally
        {
            handle.Free();
        }
    }

    /// <summary>Prepares the pages of the <paramref name="length"/> bytes at <paramref name="start"/>, writable memory of this process.</summary>
    internal static void Prepare(nint start, long length)
    {
        var end = start + length;
        // Only whole blocks inside the range: the heap's memory around a slab may not be committed yet, and a huge page
        // needs its whole block mapped alike.
        Advise(AlignUp(start, HugePageBytes), AlignDown(end, HugePageBytes), MadviseHugePage);
        // Whole pages inside the range; a partial first and last page fault as before.
        Advise(AlignUp(start, PageBytes), AlignDown(end, PageBytes), MadvisePopulateWrite);
    }

    private static void Advise(long begin, long end, int advice)
    {
        if (end > begin)
        {
            _ = Madvise((nint)begin, (nuint)(end - begin), advice);
        }
    }

    private static long AlignUp(long address, long alignment) => (address + alignment - 1) & ~(alignment - 1);

    private static long AlignDown(long address, long alignment) => address & ~(alignment - 1);

    [DllImport("libc", EntryPoint = "madvise")]
    private static extern int Madvise(nint address, nuint length, int advice);
}
