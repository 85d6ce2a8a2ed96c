namespace HeadRecon.Training;

/// <summary>
/// Seeds derived from (seed, stream, index) by SplitMix64 mixing: the same numbers in every process, on every machine
/// and .NET version (unlike <see cref="HashCode"/>, which is randomised per process, or <see cref="Random"/>, whose
/// algorithm .NET does not promise to keep). Each kind of random draw has its own stream, so adding a draw to one does
/// not shift the others.
/// </summary>
public static class StableSeed
{
    /// <summary>The training streams: view order per epoch, pixel choice per iteration, the renderer's torch generator.</summary>
    public const ulong ViewOrder = 0x5eed, Pixels = 0x9e37, Render = 0x7f4a;

    public static ulong Mix(int seed, ulong stream, long index)
    {
        ulong x = SplitMix64((ulong)(uint)seed);
        x = SplitMix64(x ^ stream);
        return SplitMix64(x ^ (ulong)index);
    }

    /// <summary>One SplitMix64 step (Steele, Lea and Flood 2014): add the golden-ratio increment, then the finaliser.</summary>
    public static ulong SplitMix64(ulong x)
    {
        ulong z = x + 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }
}

/// <summary>
/// A <see cref="Random"/> whose every number is defined here (a SplitMix64 sequence, unbiased bounded integers by
/// rejection, 53-bit doubles), so draws seeded by <see cref="StableSeed.Mix"/> never change with the .NET version.
/// </summary>
public sealed class StableRandom(ulong seed) : Random
{
    ulong _state = seed;

    /// <summary>The SplitMix64 sequence from the seed (seed 0 gives 0xE220A8397B1DCDAF, 0x6E789E6AA1B965F4, …).</summary>
    public ulong NextUInt64()
    {
        ulong r = StableSeed.SplitMix64(_state);
        _state += 0x9E3779B97F4A7C15UL;
        return r;
    }

    /// <summary>Uniform in [0, bound) without modulo bias (Lemire's multiply-shift with rejection).</summary>
    public ulong NextBelow(ulong bound)
    {
        if (bound == 0) throw new ArgumentOutOfRangeException(nameof(bound), "must be > 0");
        ulong threshold = (0UL - bound) % bound;
        while (true)
        {
            ulong high = Math.BigMul(NextUInt64(), bound, out ulong low);
            if (low >= threshold) return high;
        }
    }

    public override int Next() => (int)NextBelow(int.MaxValue);

    public override int Next(int maxValue) => (int)NextInt64(maxValue);

    public override int Next(int minValue, int maxValue) => (int)NextInt64(minValue, maxValue);

    public override long NextInt64() => (long)NextBelow(long.MaxValue);

    public override long NextInt64(long maxValue)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(maxValue);
        return maxValue == 0 ? 0 : (long)NextBelow((ulong)maxValue);
    }

    public override long NextInt64(long minValue, long maxValue)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThan(minValue, maxValue);
        return minValue == maxValue ? minValue : (long)((ulong)minValue + NextBelow((ulong)maxValue - (ulong)minValue));
    }

    public override double NextDouble() => (NextUInt64() >> 11) * (1.0 / (1UL << 53));

    public override float NextSingle() => (NextUInt64() >> 40) * (1f / (1 << 24));

    protected override double Sample() => NextDouble();

    public override void NextBytes(byte[] buffer) => NextBytes(buffer.AsSpan());

    public override void NextBytes(Span<byte> buffer)
    {
        for (int i = 0; i < buffer.Length; i += 8)
        {
            ulong v = NextUInt64();
            for (int k = 0; k < 8 && i + k < buffer.Length; k++) buffer[i + k] = (byte)(v >> (8 * k));
        }
    }

    /// <summary>0..n-1 in random order (Fisher–Yates, written here rather than <see cref="Random.Shuffle{T}(T[])"/>, whose use of the generator is .NET's to change).</summary>
    public int[] Permutation(int n)
    {
        var order = Enumerable.Range(0, n).ToArray();
        for (int i = n - 1; i > 0; i--)
        {
            int j = (int)NextBelow((ulong)i + 1);
            (order[i], order[j]) = (order[j], order[i]);
        }
        return order;
    }
}
