using HeadRecon.Config;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace HeadRecon.Fields;

/// <summary>
/// The identity-conditioned non-rigid deformation D (the original's DeformNetwork):
/// [Δx, f_def] = D(γ_6(x) ⊕ z_s), a 4×256 ReLU MLP with PyTorch's default init.
/// </summary>
public sealed class DeformationField : nn.Module<Tensor, Tensor, Tensor>
{
    readonly WeightNormLinear[] layers; // registered as lin0…linN (the original's names), not as a list
    readonly int _layerCount;

    public PositionalEncoding Encoding { get; }
    public int OffsetDims { get; }
    public int FeatureDim { get; }

    public DeformationField(DeformNetworkOptions o, int codeDim, double peAlpha = 1.0) : base("deform_net")
    {
        Encoding = new PositionalEncoding(o.Multires, o.DIn, peAlpha);
        OffsetDims = o.DOut;
        FeatureDim = o.DeformFeatureDim;
        int[] dims = [Encoding.OutputDims + codeDim, .. o.Dims, o.DOut + o.DeformFeatureDim];
        var list = new List<WeightNormLinear>();
        for (int l = 0; l < dims.Length - 1; l++) list.Add(new WeightNormLinear(dims[l], dims[l + 1]));
        layers = [.. list];
        for (int l = 0; l < layers.Length; l++) register_module($"lin{l}", layers[l]);
        _layerCount = layers.Length;
    }

    /// <summary>x: (N, 3), shapeCode: (1 or N, codeDim) → (N, 3 + f_def) = [Δx, f_def].</summary>
    public override Tensor forward(Tensor x, Tensor shapeCode)
    {
        var code = shapeCode.shape[0] == x.shape[0] ? shapeCode : shapeCode.expand(x.shape[0], shapeCode.shape[1]);
        var h = cat([Encoding.Encode(x), code], 1);
        for (int l = 0; l < _layerCount; l++)
        {
            h = layers[l].forward(h);
            if (l < _layerCount - 1) h = nn.functional.relu(h);
        }
        return h;
    }
}
