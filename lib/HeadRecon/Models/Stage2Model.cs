using HeadRecon.Config;
using HeadRecon.Fields;
using static TorchSharp.torch;

namespace HeadRecon.Models;

/// <summary>
/// Stage 2: one person. Adds the high-frequency <see cref="DisplacementField"/>: s = s₁ + δ(γ_8(x) ⊕ f_def ⊕ f_T) (or a hash
/// encoding of x in place of γ_8(x)), and a new,
/// larger colour network (res_rendering_network, features f_def ⊕ f_T ⊕ f_disp ⊕ z_c). The eikonal term stays on s₁;
/// the objective adds the displacement term and, with model.use_tv_loss, the one on its gradient. The hash grid's
/// coarse-to-fine levels (hash_grid.coarse_to_fine_iters) are one more schedule of this stage.
/// </summary>
internal sealed class Stage2Model : HeadModel
{
    public DisplacementField DisplacementNetwork { get; }
    public ColorField ResRenderingNetwork { get; }

    /// <param name="window">the PE window schedule (default: the original's fixed α of model.pe_alpha).</param>
    public Stage2Model(ModelOptions o, EncodingWindow? window = null) : base(o, window ?? EncodingWindow.Fixed(o.PeAlpha), "Stage2Model")
    {
        int geometryFeatureDim = o.DeformTempGeoNetwork.DeformNetwork.DeformFeatureDim + o.TemplateFeatureDim;
        DisplacementNetwork = new DisplacementField(o.DisplacementNetwork, geometryFeatureDim, Window.InitialAlpha);
        int colorFeatureDim = geometryFeatureDim + o.DisplacementNetwork.DisplaceFeatureDim + o.DimIdentityColor;
        ResRenderingNetwork = new ColorField(o.RenderingNetwork, colorFeatureDim, "res_rendering_network", Window.InitialAlpha);
        register_module("displacement_network", DisplacementNetwork);
        register_module("res_rendering_network", ResRenderingNetwork);
    }

    public override ColorField Color => ResRenderingNetwork;

    /// <summary>Its colour network also takes the displacement's features.</summary>
    public override bool ColorFromTemplateFeatures => false;

    public override string Stage => "stage2";

    public override IEnumerable<Fields.PositionalEncoding> Encodings =>
        DisplacementNetwork.Encoding is { } e ? base.Encodings.Append(e) : base.Encodings;

    protected override IEnumerable<(string Group, nn.Module Module)> GroupModules() => base.GroupModules().Append(("displacement", DisplacementNetwork));

    public override LossTerms Loss(RenderOutputs outputs, Tensor rgbGt, HeadLoss loss)
    {
        var g = outputs.Geometry;
        const string Why = "the displacement terms need a batch rendered by stage 2";
        var terms = new List<LossTerm>
        {
            loss.Rgb(outputs.RgbValues, rgbGt),
            loss.Eikonal(g.GradTheta),
            loss.Displacement(g.DeltaSdf ?? throw new InvalidOperationException(Why)),
        };
        if (Options.UseTvLoss) terms.Add(loss.DisplacementGradient(g.DeltaSdfGrad ?? throw new InvalidOperationException(Why)));
        terms.AddRange(CodeAndDeformationTerms(outputs, loss));
        return LossTerms.Sum(terms);
    }

    /// <summary>The PE window and the occupancy grids (<see cref="HeadModel.UpdateToStep"/>), and the hash grid's
    /// coarse-to-fine levels (hash_grid.coarse_to_fine_iters; all levels without it).</summary>
    public override void UpdateToStep(int iteration, int identities = 1)
    {
        base.UpdateToStep(iteration, identities);
        if (DisplacementNetwork.HashGrid is { } grid)
            grid.ActiveLevels = HashGridEncoding.ScheduledLevels(Options.DisplacementNetwork.HashGrid, iteration);
    }

    public override Tensor DisplacementValues(Tensor points, Tensor shapeCode) =>
        DisplacementNetwork.forward(points, DeformTempGeoNetwork.Evaluate(points, shapeCode).Features).narrow(1, 0, 1);

    /// <summary>The original's get_sdf_vals: the sphere clamp (if any) is applied after adding δ.</summary>
    public override Tensor SdfValues(Tensor points, Tensor shapeCode)
    {
        var g = DeformTempGeoNetwork.Evaluate(points, shapeCode);
        var delta = DisplacementNetwork.forward(points, g.Features).narrow(1, 0, 1);
        return ClampToSceneSphere(g.Sdf + delta, points);
    }

    /// <summary>The original's forward: the clamp (if any) is applied to s₁ before adding δ.</summary>
    public override GeometrySample EvaluateGeometry(Tensor points, Tensor shapeCode, bool training)
    {
        if (NumericalSdfGradient) return EvaluateGeometryNumerically(points, shapeCode, training);
        var x = points.detach().requires_grad_(true);
        var g = DeformTempGeoNetwork.Evaluate(x, shapeCode);
        var sdf1 = ClampToSceneSphere(g.Sdf, x);
        var disp = DisplacementNetwork.forward(x, g.Features);
        var deltaSdf = disp.narrow(1, 0, 1);
        var finalSdf = sdf1 + deltaSdf;
        var gradTheta = Gradient(sdf1, x, createGraph: training, CoarsePath);
        // δ depends on x directly and through f_def and f_T: its gradient passes all three networks.
        var deltaSdfGrad = Gradient(deltaSdf, x, createGraph: training, [DisplacementNetwork.Layers, .. CoarsePath]);
        // ∇(s₁ + δ) = ∇s₁ + ∇δ: one backward fewer than differentiating the sum separately.
        var normals = gradTheta + deltaSdfGrad;
        var gradDeform = training ? Gradient(g.DeltaX, x, createGraph: true, DeformTempGeoNetwork.DeformNet.Layers) : null;
        var features = cat([g.Features, disp.narrow(1, 1, DisplacementNetwork.FeatureDim)], 1);
        return new GeometrySample(finalSdf, normals, gradTheta, g.DeltaX, gradDeform, features, deltaSdf, deltaSdfGrad);
    }

    /// <summary>model.sdf_gradient = "numerical": one evaluation of template ∘ deformation and displacement on the
    /// 7-point stencil; ∇s₁, ∇δ and ∇(Σ_i Δx_i) by central differences (see <see cref="NumericalGradient"/>). The clamp
    /// order is the analytic path's: s₁ is clamped at every stencil point before δ is added and before differencing.</summary>
    GeometrySample EvaluateGeometryNumerically(Tensor points, Tensor shapeCode, bool training)
    {
        // Outside training only the normals (and the centre values) are used: no graph over 7× the points.
        using var noGrad = training ? null : no_grad();
        var c = EvaluateCoarseOnStencil(points, shapeCode, training);
        var disp = DisplacementNetwork.forward(c.Points, c.Geometry.Features);
        var deltaSdf = disp.narrow(1, 0, 1);
        var deltaSdfGrad = NumericalGradient.Gradient(deltaSdf, c.Step);
        var normals = c.GradTheta + deltaSdfGrad;
        var centreDelta = NumericalGradient.Centre(deltaSdf);
        var features = cat([c.CentreFeatures, NumericalGradient.Centre(disp).narrow(1, 1, DisplacementNetwork.FeatureDim)], 1);
        return new GeometrySample(NumericalGradient.Centre(c.Sdf1) + centreDelta, normals, c.GradTheta, NumericalGradient.Centre(c.Geometry.DeltaX),
            c.GradDeform, features, centreDelta, deltaSdfGrad);
    }
}
