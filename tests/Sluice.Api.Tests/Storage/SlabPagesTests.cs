using System.Runtime.InteropServices;
using Sluice.Data.Memory;

namespace Sluice.Api.Tests.Storage;

/// <summary>
/// A fresh large payload slab gets its memory before the first copy writes it (one page fault per 4 KiB page
/// otherwise). The test prepares memory it maps itself, so that it is surely fresh (a test process's heap reuses memory
/// earlier tests touched), and reads residency with <c>mincore</c>: Linux only, where the service does this.
/// </summary>
public sealed class SlabPagesTests
{
    private const int PageBytes = 4_096;
    private const long Bytes = 8 << 20;

    [Fact]
    public void Fresh_memory_is_resident_once_prepared_before_anything_writes_it()
    {
        Assert.True(OperatingSystem.IsLinux(), "slab pages are prepared on Linux only; this test reads residency with mincore");
        var mapping = Mmap(0, Bytes, ProtRead | ProtWrite, MapPrivate | MapAnonymous, -1, 0);
        Assert.NotEqual(-1, (long)mapping);
        try
        {
            // An odd start and length, as a slab inside the heap has: the partial first and last pages stay untouched.
            var start = mapping + 100;
            var length = Bytes - 200;
            Assert.Equal(0, ResidentPages(mapping, Bytes));

            SlabPages.Prepare(start, length);

            Assert.Equal(Bytes / PageBytes - 2, ResidentPages(mapping, Bytes));
        }
        finally
        {
            Assert.Equal(0, Munmap(mapping, Bytes));
        }
    }

    private static long ResidentPages(nint start, long length)
    {
        var residency = new byte[length / PageBytes];
        Assert.Equal(0, Mincore(start, (nuint)length, residency));
        return residency.Count(page => (page & 1) != 0);
    }

    private const int ProtRead = 1;
    private const int ProtWrite = 2;
    private const int MapPrivate = 0x02;
    private const int MapAnonymous = 0x20;

    [DllImport("libc", EntryPoint = "mmap")]
    private static extern nint Mmap(nint address, long length, int protection, int flags, int fd, long offset);

    [DllImport("libc", EntryPoint = "munmap")]
    private static extern int Munmap(nint address, long length);

    [DllImport("libc", EntryPoint = "mincore")]
    private static extern int Mincore(nint address, nuint length, byte[] residency);
}
