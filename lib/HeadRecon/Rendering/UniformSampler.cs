using static TorchSharp.torch;

namespace HeadRecon.Rendering;

/// <summary>N evenly spaced depths in [near, far]; stratified jitter inside each interval while training.</summary>
public sealed class UniformSampler(double near, double far, int nSamples)
{
    public double Near { get; } = near;
    public double Far { get; } = far;
    public int NSamples { get; } = nSamples;

    public Tensor Sample(long rays, Device device, bool training, Generator? generator = null) =>
        Sample(full(rays, 1, Near, device: device), full(rays, 1, Far, device: device), training, generator);

    /// <summary>As <see cref="Sample(long, Device, bool, Generator?)"/> with a [near, far] per ray ((R, 1) each).</summary>
    public Tensor Sample(Tensor nearT, Tensor farT, bool training, Generator? generator = null)
    {
        var device = nearT.device;
        var t = linspace(0.0, 1.0, NSamples, device: device);
        var z = nearT * (1.0 - t) + farT * t;
        if (!training) return z;
        var mids = 0.5 * (z.narrow(1, 1, NSamples - 1) + z.narrow(1, 0, NSamples - 1));
        var upper = cat([mids, z.narrow(1, NSamples - 1, 1)], 1);
        var lower = cat([z.narrow(1, 0, 1), mids], 1);
        var r = RandomDraws.Uniform(z.shape, generator, device);
        return lower + (upper - lower) * r;
    }
}
