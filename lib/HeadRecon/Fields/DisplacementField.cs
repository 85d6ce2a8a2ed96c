using HeadRecon.Config;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace HeadRecon.Fields;

/// <summary>
/// The per-person high-frequency displacement Δ (stage 2): [δ, f_disp] = Δ(γ_8(x) ⊕ f_def ⊕ f_T), evaluated at the
/// undeformed point x; 4×256 ReLU MLP, no skip. The final SDF is s₁(x) + δ(x).
/// </summary>
public sealed class DisplacementField : nn.Module<Tensor, Tensor, Tensor>
{
    readonly LayerStack _layers;

    public PositionalEncoding Encoding { get; }
    public int FeatureDim { get; }

    public DisplacementField(DisplacementNetworkOptions o, int geometryFeatureDim, double peAlpha = 1.0) : base("displacement_network")
    {
        Encoding = new PositionalEncoding(o.Multires, o.DIn, peAlpha);
        FeatureDim = o.DisplaceFeatureDim;
        _layers = new LayerStack([Encoding.OutputDims + geometryFeatureDim, .. o.Dims, o.DOut + o.DisplaceFeatureDim], o.SkipIn, SkipStyle.BeforeLayer);
        _layers.Register((name, m) => register_module(name, m));
    }

    /// <summary>x: (N, 3), geometryFeatures: (N, f_def + f_T) → (N, 1 + f_disp) = [δ, f_disp].</summary>
    public override Tensor forward(Tensor x, Tensor geometryFeatures)
    {
        return _layers.Forward(cat([Encoding.Encode(x), geometryFeatures], 1), h => nn.functional.relu(h));
    }
}
