using static TorchSharp.torch;

namespace HeadRecon.Rendering;

/// <summary>
/// Seeded random draws for tensors on any device. A <see cref="Generator"/> of TorchSharp 0.107 is a CPU generator
/// whatever device it is given (the native THSGenerator_new ignores the device), and libtorch refuses a CPU generator
/// for a CUDA tensor; so with a generator the numbers are drawn on the CPU and moved to the device. A seed therefore
/// gives the same samples on every device. Without a generator the device's own default generator is used.
/// </summary>
public static class RandomDraws
{
    /// <summary>U[0, 1) of the given shape.</summary>
    public static Tensor Uniform(long[] shape, Generator? generator, Device device) =>
        generator is null ? rand(shape, device: device) : rand(shape, generator: generator).to(device);

    /// <summary>A random permutation of 0 … n−1 (int64).</summary>
    public static Tensor Permutation(long n, Generator? generator, Device device) =>
        generator is null ? randperm(n, device: device) : randperm(n, generator: generator).to(device);

    /// <summary>Integers in [0, high) (int64).</summary>
    public static Tensor Integers(long high, long[] shape, Generator? generator, Device device) =>
        generator is null ? randint(high, shape, device: device) : randint(high, shape, generator: generator).to(device);
}
