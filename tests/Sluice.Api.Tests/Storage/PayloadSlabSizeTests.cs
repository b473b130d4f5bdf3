using Sluice.Data.Memory;

namespace Sluice.Api.Tests.Storage;

/// <summary>
/// A busy stream's slabs grow to 4 MiB (one whole 2 MiB-aligned block inside, for a huge page) where the memory budget
/// holds at least 64 of them, and only to 1 MiB under a smaller budget, which they would otherwise take in large steps.
/// </summary>
public sealed class PayloadSlabSizeTests
{
    [Theory]
    [InlineData(256L << 20, PayloadSlabs.MaxSlabBytes)]
    [InlineData((256L << 20) - 1, PayloadSlabs.MaxSlabBytesSmallBudget)]
    [InlineData(long.MaxValue, PayloadSlabs.MaxSlabBytes)]
    public void Slabs_grow_to_the_largest_size_the_budget_allows(long budgetBytes, int largest)
    {
        var slabs = new PayloadSlabs(capacity: 10_000_000, new MemoryStreamBudget(budgetBytes));
        var payload = new byte[1_000];
        var sizes = new List<long>();
        long held = 0;
        // 20 MB of payloads: past the doubling from 4 KiB, into several slabs of the largest size.
        for (var offset = 0L; offset < 20_000; offset++)
        {
            slabs.Copy(payload, offset);
            if (slabs.HeldBytes != held)
            {
                sizes.Add(slabs.HeldBytes - held);
                held = slabs.HeldBytes;
            }
        }

        Assert.Equal(PayloadSlabs.MinSlabBytes, sizes[0]);
        Assert.Equal(largest, sizes.Max());
        Assert.Equal(largest, sizes[^1]);
    }
}
