using HeadRecon.Config;
using HeadRecon.Fields;
using static TorchSharp.torch;

namespace HeadRecon.Models;

/// <summary>
/// Stage 1: template ∘ deformation co-trained across identities. Final SDF s = s₁ = T(x + D(x, z_s));
/// colour from the small rendering_network (features f_def ⊕ f_T ⊕ z_c). Its objective: RGB, eikonal, the code
/// priors and the deformation terms (no displacement, so none of its terms).
/// </summary>
internal sealed class Stage1Model : HeadModel
{
    public ColorField RenderingNetwork { get; }

    /// <param name="window">the PE window schedule (default: the original's fixed α of model.pe_alpha).</param>
    public Stage1Model(ModelOptions o, EncodingWindow? window = null) : base(o, window ?? EncodingWindow.Fixed(o.PeAlpha), "Stage1Model")
    {
        int featureDim = o.DeformTempGeoNetwork.DeformNetwork.DeformFeatureDim + o.TemplateFeatureDim + o.DimIdentityColor;
        RenderingNetwork = new ColorField(o.RenderingNetwork, featureDim, "rendering_network", Window.InitialAlpha);
        register_module("rendering_network", RenderingNetwork);
    }

    public override ColorField Color => RenderingNetwork;

    public override bool ColorFromTemplateFeatures => true;

    public override string Stage => "stage1";

    public override LossTerms Loss(RenderOutputs outputs, Tensor rgbGt, HeadLoss loss) => LossTerms.Sum(
    [
        loss.Rgb(outputs.RgbValues, rgbGt),
        loss.Eikonal(outputs.Geometry.GradTheta),
        .. CodeAndDeformationTerms(outputs, loss),
    ]);

    public override Tensor SdfValues(Tensor points, Tensor shapeCode)
    {
        var g = DeformTempGeoNetwork.Evaluate(points, shapeCode);
        return ClampToSceneSphere(g.Sdf, points);
    }

    public override GeometrySample EvaluateGeometry(Tensor points, Tensor shapeCode, bool training)
    {
        if (NumericalSdfGradient) return EvaluateGeometryNumerically(points, shapeCode, training);
        var x = points.detach().requires_grad_(true);
        var g = DeformTempGeoNetwork.Evaluate(x, shapeCode);
        var sdf = ClampToSceneSphere(g.Sdf, x);
        var gradients = Gradient(sdf, x, createGraph: training, CoarsePath);
        var gradDeform = training ? Gradient(g.DeltaX, x, createGraph: true, DeformTempGeoNetwork.DeformNet.Layers) : null;
        return new GeometrySample(sdf, gradients, gradients, g.DeltaX, gradDeform, g.Features, null, null);
    }

    /// <summary>model.sdf_gradient = "numerical": one evaluation of template ∘ deformation on the 7-point stencil;
    /// ∇s₁ of the clamped s₁ and ∇(Σ_i Δx_i) by central differences (see <see cref="NumericalGradient"/>).</summary>
    GeometrySample EvaluateGeometryNumerically(Tensor points, Tensor shapeCode, bool training)
    {
        // Outside training only the normals (and the centre values) are used: no graph over 7× the points.
        using var noGrad = training ? null : no_grad();
        var c = EvaluateCoarseOnStencil(points, shapeCode, training);
        return new GeometrySample(NumericalGradient.Centre(c.Sdf1), c.GradTheta, c.GradTheta, NumericalGradient.Centre(c.Geometry.DeltaX), c.GradDeform,
            c.CentreFeatures, null, null);
    }
}
