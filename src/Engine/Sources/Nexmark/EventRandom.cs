namespace OrleansStream.Engine.Sources.Nexmark;

/// <summary>
/// A SplitMix64 random stream seeded from (seed, event number): every event draws from its own stream, so any offset range
/// regenerates identically in any process and any order (Beam's generator seeds java.util.Random with the event id for the
/// same reason). A mutable struct on the stack: no allocation per event.
/// </summary>
internal struct EventRandom
{
    private ulong _state;

    /// <summary>The stream of event <paramref name="n"/> under <paramref name="seed"/>.</summary>
    public EventRandom(long seed, long n) => _state = Mix((ulong)seed * 0x9E3779B97F4A7C15UL ^ (ulong)n * 0xD1B54A32D192ED03UL);

    /// <summary>The next 64 random bits.</summary>
    public ulong NextULong()
    {
        _state += 0x9E3779B97F4A7C15UL;
        return Mix(_state);
    }

    /// <summary>Uniform in [0, <paramref name="bound"/>); bound must be positive.</summary>
    public int NextInt(int bound) => (int)NextLong(bound);

    /// <summary>Uniform in [0, <paramref name="bound"/>) by multiply-high (Lemire), no modulo bias worth measuring at these bounds.</summary>
    public long NextLong(long bound) => (long)Math.BigMul(NextULong(), (ulong)bound, out _);

    /// <summary>Uniform in [0, 1) with 53 random bits.</summary>
    public double NextDouble() => (NextULong() >> 11) * (1.0 / (1UL << 53));

    private static ulong Mix(ulong z)
    {
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }
}
