using HeadRecon.Config;
using static TorchSharp.torch;

namespace HeadRecon.Fields;

/// <summary>Outputs of the coarse geometry s₁(x) = T(x + D(x, z_s)).</summary>
public sealed record CoarseGeometry(Tensor Sdf, Tensor DeltaX, Tensor DeformFeature, Tensor TemplateFeature)
{
    /// <summary>[f_def, f_T]: the geometry features passed on to the displacement and colour networks.</summary>
    public Tensor Features => cat([DeformFeature, TemplateFeature], 1);
}

/// <summary>
/// Template ∘ deformation (the original's deform_temp_geo_network): the identity's coarse SDF s₁(x) = s_T(x + Δx).
/// Holds <see cref="DeformationField"/> (deform_net) and <see cref="TemplateField"/> (implicit_net).
/// </summary>
public sealed class DeformedTemplateField : nn.Module<Tensor, Tensor, Tensor>
{
    // Registration is explicit, under the original's PyTorch names. TorchSharp's reflection-based registration, which
    // register_module runs on every submodule, would add each property's backing field a second time.
    protected override void RegisterComponents() { }

    public DeformationField DeformNet { get; }
    public TemplateField ImplicitNet { get; }

    public DeformedTemplateField(DeformTempGeoOptions o, int templateFeatureDim, int shapeCodeDim, double peAlpha = 1.0)
        : base("deform_temp_geo_network")
    {
        DeformNet = new DeformationField(o.DeformNetwork, shapeCodeDim, peAlpha);
        ImplicitNet = new TemplateField(o.ImplicitNetwork, templateFeatureDim, peAlpha);
        register_module("deform_net", DeformNet);
        register_module("implicit_net", ImplicitNet);
    }

    public CoarseGeometry Evaluate(Tensor x, Tensor shapeCode)
    {
        var d = DeformNet.forward(x, shapeCode);
        var deltaX = d.narrow(1, 0, DeformNet.OffsetDims);
        var t = ImplicitNet.forward(x + deltaX);
        return new CoarseGeometry(t.narrow(1, 0, 1), deltaX, d.narrow(1, DeformNet.OffsetDims, DeformNet.FeatureDim), t.narrow(1, 1, ImplicitNet.FeatureDim));
    }

    /// <summary>The template alone, T(γ(x)) without Δx (the original's plot_template, for visualisation).</summary>
    public Tensor TemplateSdf(Tensor x) => ImplicitNet.forward(x).narrow(1, 0, 1);

    /// <summary>[sdf, f_def, f_T] as the original's forward returns it.</summary>
    public override Tensor forward(Tensor x, Tensor shapeCode)
    {
        var g = Evaluate(x, shapeCode);
        return cat([g.Sdf, g.DeformFeature, g.TemplateFeature], 1);
    }
}
