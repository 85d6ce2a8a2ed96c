using HeadRecon.Config;
using TorchSharp.Modules;
using TorchSharp.Utils;
using static TorchSharp.torch;

namespace HeadRecon.Rendering;

/// <summary>
/// VolSDF density σ(s) = (1/β)·Ψ_β(−s), the Laplace CDF, with learnable β = |β_param| + β_min.
/// Evaluated as (1/β)(0.5 + 0.5·sign(s)·expm1(−|s|/β)) exactly as the original: in float32 this is exactly 0 far
/// outside the surface, which the 1e10 last interval of every ray depends on.
/// </summary>
public sealed class LaplaceDensity : nn.Module<Tensor, Tensor>
{
    // Registration is explicit, under the original's PyTorch names. TorchSharp's reflection-based registration, which
    // register_module runs on every submodule, would add each property's backing field a second time.
    protected override void RegisterComponents() { }

    // Parameters are private fields named for TorchSharp by the original's PyTorch names: Module.to() replaces a moved
    // parameter and writes the new one back into the field whose component name matches, so without the attribute
    // the field would keep the old, disposed tensor.
    [ComponentName(Name = "beta")] Parameter _beta;
    public Parameter Beta => _beta;
    public double BetaMin { get; }

    public LaplaceDensity(DensityOptions o) : this(o.ParamsInit.Beta, o.BetaMin) { }

    public LaplaceDensity(double betaInit, double betaMin) : base("density")
    {
        BetaMin = betaMin;
        _beta = new Parameter(tensor((float)betaInit));
        register_parameter("beta", _beta);
    }

    public Tensor GetBeta() => Beta.abs() + BetaMin;

    public override Tensor forward(Tensor sdf) => Density(sdf, GetBeta());

    public static Tensor Density(Tensor sdf, Tensor beta)
    {
        var alpha = 1 / beta;
        return alpha * (0.5 + 0.5 * sdf.sign() * expm1(-sdf.abs() / beta));
    }
}
