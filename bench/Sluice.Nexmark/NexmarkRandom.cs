namespace Sluice.Nexmark;

/// <summary>
/// SplitMix64: tiny, fast and fully specified, so a seed means the same events on every .NET version
/// (System.Random's seeded sequence is an implementation detail).
/// </summary>
internal struct NexmarkRandom(ulong seed)
{
    private ulong state = seed;

    /// <summary>A generator for one event: its sequence depends only on the seed and the event number.</summary>
    public static NexmarkRandom ForEvent(ulong seed, long eventNumber) => new(Mix(seed ^ Mix((ulong)eventNumber + 0x9E3779B97F4A7C15UL)));

    public ulong NextULong()
    {
        state += 0x9E3779B97F4A7C15UL;
        return Mix(state);
    }

    /// <summary>Uniform in [0, bound).</summary>
    public int NextInt(int bound) => (int)NextLong(bound);

    /// <summary>Uniform in [0, bound); the tiny modulo bias is irrelevant for bounds this small.</summary>
    public long NextLong(long bound)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(bound);
        return (long)(NextULong() % (ulong)bound);
    }

    /// <summary>Uniform in [0, 1).</summary>
    public double NextDouble() => (NextULong() >> 11) * (1.0 / (1UL << 53));

    private static ulong Mix(ulong z)
    {
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }
}
