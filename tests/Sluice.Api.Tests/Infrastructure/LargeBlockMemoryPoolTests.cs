using System.Buffers;
using System.Runtime.InteropServices;
using Sluice.Api.Infrastructure;

namespace Sluice.Api.Tests.Infrastructure;

/// <summary>Kestrel's connection pool with a bounded number of 64 KiB blocks in front of its 4 KiB ones.</summary>
public sealed class LargeBlockMemoryPoolTests
{
    [Fact]
    public void Rents_large_blocks_up_to_the_budget_then_the_inner_pools_small_ones()
    {
        using var inner = new CountingPool();
        using var pool = new LargeBlockMemoryPool(inner);

        var large = Enumerable.Range(0, LargeBlockMemoryPool.LargeBlockBudget).Select(_ => pool.Rent(4096)).ToList();
        using var small = pool.Rent(4096);

        Assert.All(large, block => Assert.Equal(LargeBlockMemoryPool.LargeBlockSize, block.Memory.Length));
        Assert.Equal(CountingPool.BlockSize, small.Memory.Length);
        Assert.Equal(1, inner.Rents);
        Assert.Equal(LargeBlockMemoryPool.LargeBlockBudget, pool.LargeBlocksOut);
        large.ForEach(block => block.Dispose());
        Assert.Equal(0, pool.LargeBlocksOut);
    }

    [Fact]
    public void A_returned_large_block_is_the_one_rented_next()
    {
        using var pool = new LargeBlockMemoryPool(new CountingPool());
        var first = pool.Rent();
        var array = ArrayOf(first.Memory);
        first.Dispose();

        using var second = pool.Rent();

        Assert.Same(array, ArrayOf(second.Memory));
        Assert.Equal(1, pool.LargeBlocksOut);
    }

    [Fact]
    public void Past_the_budget_a_request_larger_than_a_small_block_gets_an_array_of_at_least_its_size()
    {
        using var inner = new CountingPool();
        using var pool = new LargeBlockMemoryPool(inner);
        var large = Enumerable.Range(0, LargeBlockMemoryPool.LargeBlockBudget).Select(_ => pool.Rent()).ToList();

        using var block = pool.Rent(20_000);

        Assert.InRange(block.Memory.Length, 20_000, LargeBlockMemoryPool.LargeBlockSize);
        Assert.Equal(0, inner.Rents);
        Assert.Equal(LargeBlockMemoryPool.LargeBlockBudget, pool.LargeBlocksOut);
        large.ForEach(b => b.Dispose());
    }

    [Fact]
    public void A_request_larger_than_a_large_block_is_refused_as_the_pipes_never_make_one()
    {
        using var pool = new LargeBlockMemoryPool(new CountingPool());

        Assert.Equal(LargeBlockMemoryPool.LargeBlockSize, pool.MaxBufferSize);
        Assert.Throws<ArgumentOutOfRangeException>(() => pool.Rent(LargeBlockMemoryPool.LargeBlockSize + 1));
    }

    [Fact]
    public void Disposing_the_pool_disposes_the_inner_one()
    {
        var inner = new CountingPool();
        new LargeBlockMemoryPool(inner).Dispose();

        Assert.True(inner.Disposed);
    }

    private static byte[] ArrayOf(Memory<byte> memory) =>
        MemoryMarshal.TryGetArray<byte>(memory, out var segment) ? segment.Array! : throw new InvalidOperationException("not array-backed");

    /// <summary>Stands in for Kestrel's pool of 4 KiB blocks.</summary>
    private sealed class CountingPool : MemoryPool<byte>
    {
        public const int BlockSize = 4096;
        public int Rents { get; private set; }
        public bool Disposed { get; private set; }
        public override int MaxBufferSize => BlockSize;

        public override IMemoryOwner<byte> Rent(int minBufferSize = -1)
        {
            Rents++;
            return new Block();
        }

        protected override void Dispose(bool disposing) => Disposed = true;

        private sealed class Block : IMemoryOwner<byte>
        {
            public Memory<byte> Memory { get; } = new byte[BlockSize];

            public void Dispose()
            {
            }
        }
    }
}
