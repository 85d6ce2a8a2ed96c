using HeadRecon.Config;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace HeadRecon.Rendering;

/// <summary>
/// VolSDF density σ(s) = (1/β)·Ψ_β(−s), the Laplace CDF, with learnable β = |β_param| + β_min.
/// Evaluated as (1/β)(0.5 + 0.5·sign(s)·expm1(−|s|/β)) exactly as the original: in float32 this is exactly 0 far
/// outside the surface, which the 1e10 last interval of every ray depends on.
/// </summary>
public sealed class LaplaceDensity : nn.Module<Tensor, Tensor>
{
    public Parameter beta;
    public double BetaMin { get; }

    public LaplaceDensity(DensityOptions o) : this(o.ParamsInit.Beta, o.BetaMin) { }

    public LaplaceDensity(double betaInit, double betaMin) : base("density")
    {
        BetaMin = betaMin;
        beta = new Parameter(tensor((float)betaInit));
        RegisterComponents();
    }

    public Tensor GetBeta() => beta.abs() + BetaMin;

    public override Tensor forward(Tensor sdf) => Density(sdf, GetBeta());

    public static Tensor Density(Tensor sdf, Tensor beta)
    {
        var alpha = 1 / beta;
        return alpha * (0.5 + 0.5 * sdf.sign() * expm1(-sdf.abs() / beta));
    }
}
