using HeadRecon.Config;
using static TorchSharp.torch;

namespace HeadRecon.Fields;

/// <summary>
/// The per-person high-frequency displacement Δ (stage 2): [δ, f_disp] = Δ(γ_8(x) ⊕ f_def ⊕ f_T), evaluated at the
/// undeformed point x; 4×256 ReLU MLP, no skip. The final SDF is s₁(x) + δ(x).
/// With encoding "hashgrid" (extension) x enters as a multiresolution hash encoding H(x) instead of γ_8(x).
/// </summary>
public sealed class DisplacementField : nn.Module<Tensor, Tensor, Tensor>
{
    // Registration is explicit, under the original's PyTorch names. TorchSharp's reflection-based registration, which
    // register_module runs on every submodule, would add each property's backing field a second time.
    protected override void RegisterComponents() { }

    readonly LayerStack _layers;

    /// <summary>Its layers (for <see cref="MatmulCount"/>'s gradient passes).</summary>
    internal LayerStack Layers => _layers;

    /// <summary>γ(x) of the original; null when x is hash-encoded.</summary>
    public PositionalEncoding? Encoding { get; }
    /// <summary>The hash encoding of x (state name "hash_grid"); null for the original frequency encoding.</summary>
    public HashGridEncoding? HashGrid { get; }
    public int FeatureDim { get; }

    public DisplacementField(DisplacementNetworkOptions o, int geometryFeatureDim, double peAlpha = 1.0) : base("displacement_network")
    {
        int inputDims;
        if (o.Encoding == "hashgrid")
        {
            if (o.DIn != 3) throw new ArgumentException($"displacement_network: the hash grid encodes 3-D points, d_in is {o.DIn}");
            HashGrid = new HashGridEncoding(o.HashGrid);
            inputDims = HashGrid.OutputDims;
        }
        else
        {
            Encoding = new PositionalEncoding(o.Multires, o.DIn, peAlpha);
            inputDims = Encoding.OutputDims;
        }
        FeatureDim = o.DisplaceFeatureDim;
        _layers = new LayerStack([inputDims + geometryFeatureDim, .. o.Dims, o.DOut + o.DisplaceFeatureDim], o.SkipIn, SkipStyle.BeforeLayer);
        _layers.Register((name, m) => register_module(name, m));
        if (o.ZeroInit)
        {
            // g = 0 makes the δ rows of W exactly zero whatever v is; g still gets gradients, so δ grows from there.
            var last = _layers.Layers[^1];
            using (no_grad())
            {
                last.WeightG.narrow(0, 0, o.DOut).zero_();
                last.Bias.narrow(0, 0, o.DOut).zero_();
            }
        }
        // Registered after the layers so the frequency path's module order (and state dict) is unchanged.
        if (HashGrid is not null) register_module("hash_grid", HashGrid);
    }

    /// <summary>x: (N, 3), geometryFeatures: (N, f_def + f_T) → (N, 1 + f_disp) = [δ, f_disp].</summary>
    public override Tensor forward(Tensor x, Tensor geometryFeatures)
    {
        var encoded = HashGrid is not null ? HashGrid.forward(x) : Encoding!.Encode(x);
        return _layers.Forward(cat([encoded, geometryFeatures], 1), h => nn.functional.relu(h));
    }
}
