using static TorchSharp.torch;

namespace HeadRecon.Rendering;

/// <summary>
/// Discrete volume rendering (VolSDF): w_i = (1 − exp(−σ_i δ_i))·exp(−Σ_{j&lt;i} σ_j δ_j), last δ = 1e10, and
/// compositing of per-sample values, with an optional constant background for the unoccupied part.
/// </summary>
public static class VolumeRenderer
{
    /// <param name="zVals">(R, S) sorted depths.</param>
    /// <param name="density">(R·S, 1) or (R, S) densities.</param>
    /// <param name="limited">(R, 1) bool: rays whose samples end where an occupancy grid says space is empty; their last
    /// sample gets a zero-length interval instead of 1e10 (which would make any leftover density there opaque).</param>
    /// <returns>weights (R, S)</returns>
    public static Tensor Weights(Tensor zVals, Tensor density, Tensor? limited = null)
    {
        long rays = zVals.shape[0], n = zVals.shape[1];
        var dens = density.reshape(-1, n);
        var dists = zVals.narrow(1, 1, n - 1) - zVals.narrow(1, 0, n - 1);
        var last = full(rays, 1, 1e10f, device: zVals.device);
        if (limited is not null) last = where(limited, zeros_like(last), last);
        dists = cat([dists, last], -1);
        var freeEnergy = dists * dens;
        var shifted = cat([zeros(rays, 1, device: zVals.device), freeEnergy.narrow(1, 0, n - 1)], -1);
        var alpha = 1 - exp(-freeEnergy);
        var transmittance = exp(-cumsum(shifted, -1));
        return alpha * transmittance;
    }

    /// <summary>Σ_i w_i·v_i over samples; values (R·S, C) → (R, C).</summary>
    public static Tensor Composite(Tensor weights, Tensor values)
    {
        long rays = weights.shape[0], n = weights.shape[1];
        return sum(weights.unsqueeze(-1) * values.reshape(rays, n, -1), 1);
    }

    /// <summary>Adds (1 − Σw)·background to a composited colour.</summary>
    public static Tensor WithBackground(Tensor rgb, Tensor weights, Tensor background)
    {
        var acc = sum(weights, -1);
        return rgb + (1.0f - acc.unsqueeze(-1)) * background.unsqueeze(0);
    }
}
