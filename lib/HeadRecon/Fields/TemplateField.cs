using HeadRecon.Config;
using static TorchSharp.torch;

namespace HeadRecon.Fields;

/// <summary>
/// The smooth template SDF T (the original's ImplicitNetwork): [s_T, f_T] = T(γ_6(p)), 8×256 softplus(β=100)
/// MLP with a skip connection that re-injects the encoded input (divided by √2) and IDR geometric
/// initialisation, so that the untrained SDF is roughly ‖p‖ − bias. It takes no identity code.
/// </summary>
public sealed class TemplateField : nn.Module<Tensor, Tensor>
{
    // Registration is explicit, under the original's PyTorch names. TorchSharp's reflection-based registration, which
    // register_module runs on every submodule, would add each property's backing field a second time.
    protected override void RegisterComponents() { }

    readonly LayerStack _layers;

    /// <summary>Its layers (for <see cref="MatmulCount"/>'s gradient passes).</summary>
    internal LayerStack Layers => _layers;
    readonly int[] _skipIn;

    public PositionalEncoding Encoding { get; }
    public int FeatureDim { get; }

    public TemplateField(ImplicitNetworkOptions o, int featureDim, double peAlpha = 1.0) : base("implicit_net")
    {
        Encoding = new PositionalEncoding(o.Multires, o.DIn, peAlpha);
        FeatureDim = featureDim;
        _skipIn = [.. o.SkipIn];
        int[] dims = [Encoding.OutputDims, .. o.Dims, o.DOut + featureDim];
        _layers = new LayerStack(dims, o.SkipIn, SkipStyle.BeforeLayer,
            o.GeometricInit ? (lin, l) => GeometricInit(lin, l, dims.Length, dims, o, lin.OutFeatures) : null);
        _layers.Register((name, m) => register_module(name, m));
    }

    /// <summary>IDR geometric init (Atzmon &amp; Lipman): the network starts as the SDF of a sphere of radius `bias`.</summary>
    void GeometricInit(WeightNormLinear lin, int l, int numLayers, int[] dims, ImplicitNetworkOptions o, int outDim)
    {
        using var _ = no_grad();
        var w = empty(outDim, dims[l]);
        var b = zeros(outDim);
        if (l == numLayers - 2)
        {
            nn.init.normal_(w, Math.Sqrt(Math.PI) / Math.Sqrt(dims[l]), 0.0001);
            b.fill_(-o.Bias);
        }
        else if (o.Multires > 0 && l == 0)
        {
            w.zero_();
            w.narrow(1, 0, 3).normal_(0.0, Math.Sqrt(2) / Math.Sqrt(outDim));
        }
        else if (o.Multires > 0 && _skipIn.Contains(l))
        {
            nn.init.normal_(w, 0.0, Math.Sqrt(2) / Math.Sqrt(outDim));
            w.narrow(1, dims[l] - (dims[0] - 3), dims[0] - 3).zero_();
        }
        else
        {
            nn.init.normal_(w, 0.0, Math.Sqrt(2) / Math.Sqrt(outDim));
        }
        lin.SetWeight(w, b);
    }

    /// <summary>p: (N, 3) reference-space points → (N, 1 + feature) = [s_T, f_T].</summary>
    public override Tensor forward(Tensor p)
    {
        return _layers.Forward(Encoding.Encode(p), h => nn.functional.softplus(h, 100, 20));
    }
}
