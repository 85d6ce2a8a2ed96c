using HeadRecon.Config;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace HeadRecon.Fields;

/// <summary>
/// The colour ("rendering") network in IDR mode: c = σ(MLP(γ(x) ⊕ ∇s ⊕ γ(v) ⊕ features ⊕ z_c)), ReLU, sigmoid output.
/// The skip test is the original's: before layer l when l + 1 ∈ skip_in, the full input is concatenated (÷√2),
/// so stage 2's skip_in = [3] widens lin2 to 256 + input dims.
/// </summary>
public sealed class ColorField : nn.Module<Tensor, Tensor, Tensor, Tensor, Tensor>
{
    readonly WeightNormLinear[] layers; // registered as lin0…linN (the original's names), not as a list
    readonly int[] _skipIn;
    readonly int _layerCount;

    public PositionalEncoding PointEncoding { get; }
    public PositionalEncoding ViewEncoding { get; }
    public int InputDims { get; }

    public ColorField(RenderingNetworkOptions o, int featureDim, string name, double peAlpha = 1.0) : base(name)
    {
        if (o.Mode != "idr") throw new NotSupportedException($"model.rendering_network.mode: only 'idr' is implemented, got '{o.Mode}'");
        PointEncoding = new PositionalEncoding(o.Multires, 3, peAlpha);
        ViewEncoding = new PositionalEncoding(o.MultiresView, 3, peAlpha);
        _skipIn = [.. o.SkipIn];
        InputDims = o.DIn + featureDim + (PointEncoding.OutputDims - 3) + (ViewEncoding.OutputDims - 3);
        int[] dims = [InputDims, .. o.Dims, o.DOut];
        var list = new List<WeightNormLinear>();
        for (int l = 0; l < dims.Length - 1; l++)
        {
            int inDim = _skipIn.Contains(l + 1) ? dims[l] + dims[0] : dims[l];
            list.Add(new WeightNormLinear(inDim, dims[l + 1]));
        }
        layers = [.. list];
        for (int l = 0; l < layers.Length; l++) register_module($"lin{l}", layers[l]);
        _layerCount = layers.Length;
    }

    /// <summary>points, normals (raw SDF gradient), viewDirs: (N, 3); features: (N, F) incl. the colour code → (N, 3) in [0, 1].</summary>
    public override Tensor forward(Tensor points, Tensor normals, Tensor viewDirs, Tensor features)
    {
        var input = cat([PointEncoding.Encode(points), normals, ViewEncoding.Encode(viewDirs), features], 1);
        var h = input;
        double invSqrt2 = 1.0 / Math.Sqrt(2.0);
        for (int l = 0; l < _layerCount; l++)
        {
            if (_skipIn.Contains(l + 1)) h = cat([h, input], 1) * invSqrt2;
            h = layers[l].forward(h);
            if (l < _layerCount - 1) h = nn.functional.relu(h);
        }
        return sigmoid(h);
    }
}
