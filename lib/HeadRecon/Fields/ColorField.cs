using HeadRecon.Config;
using static TorchSharp.torch;

namespace HeadRecon.Fields;

/// <summary>
/// The colour ("rendering") network in IDR mode: c = σ(MLP(γ(x) ⊕ ∇s ⊕ γ(v) ⊕ features ⊕ z_c)), ReLU, sigmoid output.
/// The skip test is the original's: before layer l when l + 1 ∈ skip_in, the full input is concatenated (÷√2),
/// so stage 2's skip_in = [3] widens lin2 to 256 + input dims.
/// </summary>
public sealed class ColorField : nn.Module<Tensor, Tensor, Tensor, Tensor, Tensor>
{
    // Registration is explicit, under the original's PyTorch names. TorchSharp's reflection-based registration, which
    // register_module runs on every submodule, would add each property's backing field a second time.
    protected override void RegisterComponents() { }

    readonly LayerStack _layers;

    public PositionalEncoding PointEncoding { get; }
    public PositionalEncoding ViewEncoding { get; }
    public int InputDims { get; }

    public ColorField(RenderingNetworkOptions o, int featureDim, string name, double peAlpha = 1.0) : base(name)
    {
        if (o.Mode != "idr") throw new NotSupportedException($"model.rendering_network.mode: only 'idr' is implemented, got '{o.Mode}'");
        PointEncoding = new PositionalEncoding(o.Multires, 3, peAlpha);
        ViewEncoding = new PositionalEncoding(o.MultiresView, 3, peAlpha);
        InputDims = o.DIn + featureDim + (PointEncoding.OutputDims - 3) + (ViewEncoding.OutputDims - 3);
        _layers = new LayerStack([InputDims, .. o.Dims, o.DOut], o.SkipIn, SkipStyle.BeforeNextLayer);
        _layers.Register((name, m) => register_module(name, m));
    }

    /// <summary>points, normals (raw SDF gradient), viewDirs: (N, 3); features: (N, F) incl. the colour code → (N, 3) in [0, 1].</summary>
    public override Tensor forward(Tensor points, Tensor normals, Tensor viewDirs, Tensor features)
    {
        var input = cat([PointEncoding.Encode(points), normals, ViewEncoding.Encode(viewDirs), features], 1);
        return sigmoid(_layers.Forward(input, h => nn.functional.relu(h)));
    }
}
