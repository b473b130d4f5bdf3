using System.Runtime.InteropServices;

namespace Sluice.Data.Memory;

/// <summary>
/// Gives a fresh large payload slab its memory up front, in two system calls, instead of one page fault per 4 KiB page
/// as the copies first write it: the slab's 2 MiB-aligned blocks are marked for huge pages (<c>MADV_HUGEPAGE</c>;
/// Linux's usual transparent-huge-page mode grants them only on request), then every page of the slab is populated
/// writable (<c>MADV_POPULATE_WRITE</c>, Linux 5.14). A stream that keeps its events writes every page of its slabs
/// once; on a virtual machine a page fault costs about 16 µs, so filling 256 MiB of fresh slabs took ×3 the CPU without
/// this (docs/benchmarks.md, "Slab pages up front"). Only advice to the kernel: where a call fails, or off Linux, the
/// slab is written as before. <c>SLUICE_SLAB_PAGES=0</c> turns it off, for comparison.
/// </summary>
/// <remarks>
/// A large-object array sits at no particular alignment, and only the 2 MiB blocks wholly inside it can be huge pages:
/// one of a 4 MiB array's two at most, none of a 2 MiB one's. So a slab of 2 MiB or more gets an array longer by
/// <see cref="AlignmentSlack"/> and starts at the first 2 MiB boundary inside it: all of its blocks are huge pages, and
/// the slack is never written, so it takes address space, not memory. Even populated, each 4 KiB page costs its first
/// write more than the whole copy into a huge page does on this kind of VM (docs/benchmarks.md, "Aligned slabs").
/// </remarks>
internal static class SlabPages
{
    /// <summary>Smaller slabs are not worth a system call, and live on the small-object heap, where the GC moves them.</summary>
    public const int MinBytes = 1 << 20;

    private const int MadviseHugePage = 14;
    private const int MadvisePopulateWrite = 23;
    private const long PageBytes = 4_096;
    private const int HugePageBytes = 2 << 20;

    private static readonly bool Enabled = OperatingSystem.IsLinux() && Environment.GetEnvironmentVariable("SLUICE_SLAB_PAGES") != "0";

    /// <summary>How much longer than its <paramref name="size"/> a slab's array is, so that its usable bytes can start at a 2 MiB boundary.</summary>
    public static int AlignmentSlack(int size) => Enabled && size >= HugePageBytes ? HugePageBytes : 0;

    /// <summary>
    /// Prepares the pages of a fresh slab of <paramref name="size"/> usable bytes in <paramref name="array"/> (of
    /// <paramref name="size"/> + <see cref="AlignmentSlack"/> bytes) and returns where in the array they start.
    /// </summary>
    public static int Prepare(byte[] array, int size)
    {
        if (!Enabled || size < MinBytes)
        {
            return 0;
        }
        var handle = GCHandle.Alloc(array, GCHandleType.Pinned);
        try
        {
            var start = Start(handle.AddrOfPinnedObject(), array.Length, size);
            Prepare(handle.AddrOfPinnedObject() + start, size);
            return start;
        }
        finally
        {
            handle.Free();
        }
    }

    /// <summary>Where the <paramref name="size"/> usable bytes of a slab's <paramref name="array"/> start (a reused slab: its pages are there already).</summary>
    public static int AlignedStart(byte[] array, int size)
    {
        if (AlignmentSlack(size) == 0)
        {
            return 0;
        }
        var handle = GCHandle.Alloc(array, GCHandleType.Pinned);
        try
        {
            return Start(handle.AddrOfPinnedObject(), array.Length, size);
        }
        finally
        {
            handle.Free();
        }
    }

    // The first 2 MiB boundary when the array has the slack for it. Large objects do not move, so the boundary stays
    // one; if one ever did, the slab's offsets would still be right, only its pages smaller.
    private static int Start(nint address, int arrayLength, int size) =>
        arrayLength - size >= HugePageBytes ? (int)(AlignUp(address, HugePageBytes) - address) : 0;

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
