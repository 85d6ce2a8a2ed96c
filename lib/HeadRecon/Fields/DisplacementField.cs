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
    readonly WeightNormLinear[] layers; // registered as lin0…linN (the original's names), not as a list
    readonly int[] _skipIn;
    readonly int _layerCount;

    public PositionalEncoding Encoding { get; }
    public int FeatureDim { get; }

    public DisplacementField(DisplacementNetworkOptions o, int geometryFeatureDim, double peAlpha = 1.0) : base("displacement_network")
    {
        Encoding = new PositionalEncoding(o.Multires, o.DIn, peAlpha);
        FeatureDim = o.DisplaceFeatureDim;
        _skipIn = [.. o.SkipIn];
        int[] dims = [Encoding.OutputDims + geometryFeatureDim, .. o.Dims, o.DOut + o.DisplaceFeatureDim];
        var list = new List<WeightNormLinear>();
        for (int l = 0; l < dims.Length - 1; l++)
        {
            int outDim = _skipIn.Contains(l + 1) ? dims[l + 1] - dims[0] : dims[l + 1];
            list.Add(new WeightNormLinear(dims[l], outDim));
        }
        layers = [.. list];
        for (int l = 0; l < layers.Length; l++) register_module($"lin{l}", layers[l]);
        _layerCount = layers.Length;
    }

    /// <summary>x: (N, 3), geometryFeatures: (N, f_def + f_T) → (N, 1 + f_disp) = [δ, f_disp].</summary>
    public override Tensor forward(Tensor x, Tensor geometryFeatures)
    {
        var input = cat([Encoding.Encode(x), geometryFeatures], 1);
        var h = input;
        double invSqrt2 = 1.0 / Math.Sqrt(2.0);
        for (int l = 0; l < _layerCount; l++)
        {
            if (_skipIn.Contains(l)) h = cat([h, input], 1) * invSqrt2;
            h = layers[l].forward(h);
            if (l < _layerCount - 1) h = nn.functional.relu(h);
        }
        return h;
    }
}
