using HeadRecon.Config;
using static TorchSharp.torch;

namespace HeadRecon.Fields;

/// <summary>
/// The identity-conditioned non-rigid deformation D (the original's DeformNetwork):
/// [Δx, f_def] = D(γ_6(x) ⊕ z_s), a 4×256 ReLU MLP with PyTorch's default init.
/// </summary>
public sealed class DeformationField : nn.Module<Tensor, Tensor, Tensor>
{
    // Registration is explicit, under the original's PyTorch names. TorchSharp's reflection-based registration, which
    // register_module runs on every submodule, would add each property's backing field a second time.
    protected override void RegisterComponents() { }

    readonly LayerStack _layers;

    /// <summary>Its layers (for <see cref="MatmulCount"/>'s gradient passes).</summary>
    internal LayerStack Layers => _layers;

    public PositionalEncoding Encoding { get; }
    public int OffsetDims { get; }
    public int FeatureDim { get; }

    public DeformationField(DeformNetworkOptions o, int codeDim, double peAlpha = 1.0) : base("deform_net")
    {
        Encoding = new PositionalEncoding(o.Multires, o.DIn, peAlpha);
        OffsetDims = o.DOut;
        FeatureDim = o.DeformFeatureDim;
        _layers = new LayerStack([Encoding.OutputDims + codeDim, .. o.Dims, o.DOut + o.DeformFeatureDim], [], SkipStyle.BeforeLayer);
        _layers.Register((name, m) => register_module(name, m));
    }

    /// <summary>x: (N, 3), shapeCode: (1 or N, codeDim) → (N, 3 + f_def) = [Δx, f_def].</summary>
    public override Tensor forward(Tensor x, Tensor shapeCode)
    {
        var code = shapeCode.shape[0] == x.shape[0] ? shapeCode : shapeCode.expand(x.shape[0], shapeCode.shape[1]);
        return _layers.Forward(cat([Encoding.Encode(x), code], 1), h => nn.functional.relu(h));
    }
}
