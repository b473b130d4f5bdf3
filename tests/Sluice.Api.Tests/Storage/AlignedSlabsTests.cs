using System.Runtime.InteropServices;
using Sluice.Data.Memory;

namespace Sluice.Api.Tests.Storage;

/// <summary>
/// A payload slab of 2 MiB or more starts at a 2 MiB boundary of its (longer) array, so all of it can be huge pages;
/// what the stream holds and takes from the budget is the slab's usable size, not the slack before it.
/// </summary>
public sealed class AlignedSlabsTests
{
    private const long HugePageBytes = 2 << 20;

    [Fact]
    public void Every_slab_of_2_MiB_or_more_starts_at_a_2_MiB_boundary_and_counts_only_its_usable_bytes()
    {
        Assert.True(OperatingSystem.IsLinux(), "slabs are aligned where their pages are prepared: on Linux");
        var slabs = new PayloadSlabs(capacity: 10_000_000);
        var payload = new byte[1_000];
        var firstOfEachSlab = new List<(ReadOnlyMemory<byte> Copy, long Size)>();
        long held = 0;
        // 20 MB of payloads: the doubling slabs from 4 KiB, then 4 MiB ones.
        for (var offset = 0L; offset < 20_000; offset++)
        {
            var copy = slabs.Copy(payload, offset);
            if (slabs.HeldBytes != held)
            {
                firstOfEachSlab.Add((copy, slabs.HeldBytes - held));
                held = slabs.HeldBytes;
            }
        }

        var large = firstOfEachSlab.Where(s => s.Size >= HugePageBytes).ToList();
        Assert.NotEmpty(large);
        Assert.All(large, slab =>
        {
            Assert.Equal(0, AddressOf(slab.Copy) % HugePageBytes);
            Assert.True(MemoryMarshal.TryGetArray(slab.Copy, out var segment));
            Assert.InRange(segment.Array!.Length - slab.Size, 1, HugePageBytes);
        });
        Assert.Equal(firstOfEachSlab.Sum(s => s.Size), slabs.HeldBytes);
    }

    [Fact]
    public void A_slab_below_2_MiB_starts_at_the_start_of_an_array_of_its_own_size()
    {
        var slabs = new PayloadSlabs(capacity: 1_000);
        var copy = slabs.Copy(new byte[100], 0);

        Assert.True(MemoryMarshal.TryGetArray(copy, out var segment));
        Assert.Equal(0, segment.Offset);
        Assert.Equal(slabs.HeldBytes, segment.Array!.Length);
    }

    private static long AddressOf(ReadOnlyMemory<byte> memory)
    {
        Assert.True(MemoryMarshal.TryGetArray(memory, out var segment));
        var handle = GCHandle.Alloc(segment.Array, GCHandleType.Pinned);
        try
        {
            return handle.AddrOfPinnedObject() + segment.Offset;
        }
        finally
        {
            handle.Free();
        }
    }
}
