using HeadRecon.Models;
using HeadRecon.Rendering;
using static TorchSharp.torch;

namespace HeadRecon.Parity.Checks;

/// <summary>Every network, the rays, the sampler and the full forward pass against the original's numbers (stage1.npz, stage2.npz).</summary>
public static class ModelChecks
{
    static RayBatch Batch(ReferenceFile r) => new(r.T("in/uv"), r.T("in/pose"), r.T("in/intrinsics"), r.T("in/id"));

    /// <summary>Every parameter loads by its PyTorch name; the shape codes exactly, β to 6 decimals.</summary>
    public static void ParametersLoadByTheirPyTorchNames(ParityContext ctx, string file)
    {
        var r = ctx.Reference(file);
        using var m = ReferenceModels.Load(r);
        ctx.Exact(r.Keys.Count(k => k.StartsWith("param/", StringComparison.Ordinal)), m.state_dict().Count, "parameter count");
        ctx.Close(r.T("in/shape_code"), m.IdShapeEmbedding.forward(r.T("in/id")), 0, what: "shape code");
        ctx.Equal(r["meta/beta"].Scalar(), m.Density.GetBeta().item<float>(), 6, "beta");
    }

    /// <summary>The template's outputs with the saved geometric-init parameters, atol 1e-4.</summary>
    public static void TemplateMatchesGeometricInitOutputs(ParityContext ctx, string file)
    {
        var r = ctx.Reference(file);
        using var m = ReferenceModels.Load(r);
        ctx.Close(r.T("geoinit/implicit_out"), m.DeformTempGeoNetwork.ImplicitNet.forward(r.T("geoinit/x")), 1e-4, what: "geoinit/implicit_out");
    }

    /// <summary>Deformation, template, composed SDF, colour and (stage 2) displacement on fixed points: values atol 1e-4,
    /// gradients atol 1e-4 + rtol 1e-4.</summary>
    public static void NetworksMatchOnFixedPoints(ParityContext ctx, string file)
    {
        var r = ctx.Reference(file);
        using var m = ReferenceModels.Load(r);
        var x = r.T("pts/x");
        var code = r.T("in/shape_code");
        var net = m.DeformTempGeoNetwork;
        ctx.Close(r.T("pts/deform_out"), net.DeformNet.forward(x, code), 1e-4, what: "deform_out");
        ctx.Close(r.T("pts/ref_points"), x + net.DeformNet.forward(x, code).narrow(1, 0, 3), 1e-4, what: "ref_points");
        ctx.Close(r.T("pts/implicit_out"), net.ImplicitNet.forward(r.T("pts/ref_points")), 1e-4, what: "implicit_out");
        ctx.Close(r.T("pts/dtg_out"), net.forward(x, code), 1e-4, what: "dtg_out");
        ctx.Close(r.T("pts/get_sdf_vals"), m.SdfValues(x, code), 1e-4, what: "get_sdf_vals");

        var train = m.EvaluateGeometry(x, code, training: true);
        ctx.Close(r.T("pts/sdf_gradients"), train.GradTheta, 1e-4, 1e-4, "sdf_gradients");
        ctx.Close(r.T("pts/grad_deform"), train.GradDeform!, 1e-4, 1e-4, "grad_deform");

        var color = m.Color.forward(x, r.T("pts/render_normals"), r.T("pts/render_viewdirs"), r.T("pts/render_features"));
        ctx.Close(r.T("pts/render_out"), color, 1e-4, what: "render_out");

        if (!ReferenceModels.IsStage1(r))
        {
            // The displacement network by its PyTorch name, as the original's state dict holds it.
            var displacement = (HeadRecon.Fields.DisplacementField)m.named_children().Single(c => c.name == "displacement_network").module;
            var dtg = r.T("pts/dtg_out");
            ctx.Close(r.T("pts/disp_out"), displacement.forward(x, dtg.narrow(1, 1, dtg.shape[1] - 1)), 1e-4, what: "disp_out");
            ctx.Close(r.T("pts/final_sdf"), train.Sdf, 1e-4, what: "final_sdf");
            ctx.Close(r.T("pts/final_sdf_gradients"), train.Normals, 1e-4, 1e-4, "final_sdf_gradients");
        }
    }

    /// <summary>Ray directions and camera centres (also with skew), atol 1e-6.</summary>
    public static void CameraRaysMatch(ParityContext ctx, string file)
    {
        var r = ctx.Reference(file);
        var (dirs, camLoc) = CameraRays.Compute(r.T("in/uv"), r.T("in/pose"), r.T("in/intrinsics"));
        ctx.Close(r.T("rays/ray_dirs"), dirs.reshape(-1, 3), 1e-6, what: "ray_dirs");
        ctx.Close(r.T("rays/cam_loc"), camLoc, 1e-6, what: "cam_loc");
        var (dirsSkew, _) = CameraRays.Compute(r.T("in/uv"), r.T("in/pose"), r.T("rays/intrinsics_skew"));
        ctx.Close(r.T("rays/ray_dirs_skew"), dirsSkew.reshape(-1, 3), 1e-6, what: "ray_dirs_skew");
    }

    /// <summary>The sampler's depths end to end, atol 1e-3 with 3 outliers allowed; colours atol 1e-4, normal map 5e-4.
    /// End to end the depths differ by float rounding (~1e-5), which moves stage 2's sharper normals by up to ~2.5e-4;
    /// with the reference depths fed in (<see cref="EverythingDownstreamOfTheSampler"/>) everything matches to 1e-4.</summary>
    public static void SamplerDepthsEndToEnd(ParityContext ctx, string file)
    {
        var r = ctx.Reference(file);
        using var m = ReferenceModels.Load(r);
        var o = m.Render(Batch(r));
        ctx.Close(r.T("fwd/z_samples"), SamplesOnly(m, r), 1e-3, what: "z_samples", allowedOutliers: 3);
        ctx.Close(r.T("fwd/z_vals"), o.ZVals, 1e-3, what: "z_vals", allowedOutliers: 3);
        ctx.Close(r.T("out/rgb_values"), o.RgbValues, 1e-4, what: "rgb_values end-to-end");
        ctx.Close(r.T("out/normal_map"), o.NormalMap!, 5e-4, what: "normal_map end-to-end");
    }

    static Tensor SamplesOnly(HeadModel m, ReferenceFile r)
    {
        var (dirs, camLoc) = CameraRays.Compute(r.T("in/uv"), r.T("in/pose"), r.T("in/intrinsics"));
        var rays = dirs.reshape(-1, 3);
        var cam = camLoc.unsqueeze(1).repeat(1, rays.shape[0], 1).reshape(-1, 3);
        var code = r.T("in/shape_code");
        return m.Sampler.Sample(rays, cam, p => m.SdfValues(p, code), m.Density.GetBeta(), training: false).ZSamples;
    }

    /// <summary>With the reference depths: points, deformation, weights, opacity, colours, normal map and SDF values,
    /// atol 1e-4 (gradients + rtol 1e-4).</summary>
    public static void EverythingDownstreamOfTheSampler(ParityContext ctx, string file)
    {
        var r = ctx.Reference(file);
        using var m = ReferenceModels.Load(r);
        var o = m.Render(Batch(r), fixedZVals: r.T("fwd/z_vals"));
        ctx.Close(r.T("fwd/points"), o.Points, 1e-4, what: "points");
        ctx.Close(r.T("fwd/delta_x"), o.Geometry.DeltaX, 1e-4, what: "delta_x");
        ctx.Close(r.T("fwd/weights"), o.Weights, 1e-4, what: "weights");
        ctx.Close(r.T("fwd/acc_map"), o.AccMap, 1e-4, what: "acc_map");
        ctx.Close(r.T("fwd/rgb_samples"), o.RgbSamples, 1e-4, what: "rgb_samples");
        ctx.Close(r.T("out/rgb_values"), o.RgbValues, 1e-4, what: "rgb_values");
        ctx.Close(r.T("out/normal_map"), o.NormalMap!, 1e-4, what: "normal_map");
        if (ReferenceModels.IsStage1(r))
        {
            ctx.Close(r.T("fwd/sdf"), o.Geometry.Sdf, 1e-4, what: "sdf");
            ctx.Close(r.T("fwd/sdf_gradients"), o.Geometry.GradTheta, 1e-4, 1e-4, "sdf_gradients");
        }
        else
        {
            ctx.Close(r.T("fwd/delta_sdf"), o.Geometry.DeltaSdf!, 1e-4, what: "delta_sdf");
            ctx.Close(r.T("fwd/final_sdf"), o.Geometry.Sdf, 1e-4, what: "final_sdf");
            ctx.Close(r.T("fwd/final_gradients"), o.Geometry.Normals, 1e-4, 1e-4, "final_gradients");
            if (r.ContainsKey("fwd/sdf")) ctx.Close(r.T("fwd/sdf"), o.Geometry.Sdf - o.Geometry.DeltaSdf!, 1e-4, what: "template sdf");
        }
    }
}
