using HeadRecon.Models;
using HeadRecon.Rendering;
using Xunit;
using static HeadRecon.Tests.TestSupport;
using static TorchSharp.torch;

namespace HeadRecon.Tests.Models;

/// <summary>Every network, the rays, the sampler and the full forward pass against the original's numbers (stage1.npz, stage2.npz).</summary>
[Trait("Category", "Parity")]
public class ModelParityTests
{
    static HeadModel Model(string file) => file == "stage1.npz" ? ReferenceModels.Stage1() : ReferenceModels.Stage2();

    static RayBatch Batch(Dictionary<string, HeadRecon.IO.NpyArray> r) => new(r.T("in/uv"), r.T("in/pose"), r.T("in/intrinsics"), r.T("in/id"));

    [Theory]
    [InlineData("stage1.npz")]
    [InlineData("stage2.npz")]
    public void ParametersLoadByTheirPyTorchNames(string file)
    {
        var r = Reference(file);
        var m = Model(file);
        int expected = r.Keys.Count(k => k.StartsWith("param/", StringComparison.Ordinal));
        Assert.Equal(expected, m.state_dict().Count);
        AssertClose(r.T("in/shape_code"), m.id_shape_embedding.forward(r.T("in/id")), 0, what: "shape code");
        Assert.Equal(r["meta/beta"].Scalar(), m.density.GetBeta().item<float>(), 6);
    }

    [Theory]
    [InlineData("stage1.npz")]
    [InlineData("stage2.npz")]
    public void TemplateWithSavedParametersMatchesGeometricInitOutputs(string file)
    {
        var r = Reference(file);
        var m = Model(file);
        AssertClose(r.T("geoinit/implicit_out"), m.deform_temp_geo_network.implicit_net.forward(r.T("geoinit/x")), 1e-4, what: "geoinit/implicit_out");
    }

    [Theory]
    [InlineData("stage1.npz")]
    [InlineData("stage2.npz")]
    public void NetworksMatchOnFixedPoints(string file)
    {
        var r = Reference(file);
        var m = Model(file);
        var x = r.T("pts/x");
        var code = r.T("in/shape_code");
        var net = m.deform_temp_geo_network;
        AssertClose(r.T("pts/deform_out"), net.deform_net.forward(x, code), 1e-4, what: "deform_out");
        AssertClose(r.T("pts/ref_points"), x + net.deform_net.forward(x, code).narrow(1, 0, 3), 1e-4, what: "ref_points");
        AssertClose(r.T("pts/implicit_out"), net.implicit_net.forward(r.T("pts/ref_points")), 1e-4, what: "implicit_out");
        AssertClose(r.T("pts/dtg_out"), net.forward(x, code), 1e-4, what: "dtg_out");
        AssertClose(r.T("pts/get_sdf_vals"), m.SdfValues(x, code), 1e-4, what: "get_sdf_vals");

        var train = m.EvaluateGeometry(x, code, training: true);
        AssertClose(r.T("pts/sdf_gradients"), train.GradTheta, 1e-4, 1e-4, "sdf_gradients");
        AssertClose(r.T("pts/grad_deform"), train.GradDeform!, 1e-4, 1e-4, "grad_deform");

        var color = m.Color.forward(x, r.T("pts/render_normals"), r.T("pts/render_viewdirs"), r.T("pts/render_features"));
        AssertClose(r.T("pts/render_out"), color, 1e-4, what: "render_out");

        if (m is Stage2Model s2)
        {
            var dtg = r.T("pts/dtg_out");
            AssertClose(r.T("pts/disp_out"), s2.displacement_network.forward(x, dtg.narrow(1, 1, dtg.shape[1] - 1)), 1e-4, what: "disp_out");
            AssertClose(r.T("pts/final_sdf"), train.Sdf, 1e-4, what: "final_sdf");
            AssertClose(r.T("pts/final_sdf_gradients"), train.Normals, 1e-4, 1e-4, "final_sdf_gradients");
        }
    }

    [Theory]
    [InlineData("stage1.npz")]
    [InlineData("stage2.npz")]
    public void CameraRaysMatch(string file)
    {
        var r = Reference(file);
        var (dirs, camLoc) = CameraRays.Compute(r.T("in/uv"), r.T("in/pose"), r.T("in/intrinsics"));
        AssertClose(r.T("rays/ray_dirs"), dirs.reshape(-1, 3), 1e-6, what: "ray_dirs");
        AssertClose(r.T("rays/cam_loc"), camLoc, 1e-6, what: "cam_loc");
        var (dirsSkew, _) = CameraRays.Compute(r.T("in/uv"), r.T("in/pose"), r.T("rays/intrinsics_skew"));
        AssertClose(r.T("rays/ray_dirs_skew"), dirsSkew.reshape(-1, 3), 1e-6, what: "ray_dirs_skew");
    }

    [Theory]
    [InlineData("stage1.npz")]
    [InlineData("stage2.npz")]
    public void SamplerDepthsMatchEndToEnd(string file)
    {
        var r = Reference(file);
        var m = Model(file);
        var o = m.Render(Batch(r));
        AssertClose(r.T("fwd/z_samples"), SamplesOnly(m, r), 1e-3, what: "z_samples", allowedOutliers: 3);
        AssertClose(r.T("fwd/z_vals"), o.ZVals, 1e-3, what: "z_vals", allowedOutliers: 3);
        // End to end the depths differ by float rounding (~1e-5), which moves stage 2's sharper normals by up to ~2.5e-4;
        // with the reference depths fed in (test below) everything matches to 1e-4.
        AssertClose(r.T("out/rgb_values"), o.RgbValues, 1e-4, what: "rgb_values end-to-end");
        AssertClose(r.T("out/normal_map"), o.NormalMap!, 5e-4, what: "normal_map end-to-end");
    }

    static Tensor SamplesOnly(HeadModel m, Dictionary<string, HeadRecon.IO.NpyArray> r)
    {
        var (dirs, camLoc) = CameraRays.Compute(r.T("in/uv"), r.T("in/pose"), r.T("in/intrinsics"));
        var rays = dirs.reshape(-1, 3);
        var cam = camLoc.unsqueeze(1).repeat(1, rays.shape[0], 1).reshape(-1, 3);
        var code = r.T("in/shape_code");
        return m.Sampler.Sample(rays, cam, p => m.SdfValues(p, code), m.density.GetBeta(), training: false).ZSamples;
    }

    [Theory]
    [InlineData("stage1.npz")]
    [InlineData("stage2.npz")]
    public void EverythingDownstreamOfTheSamplerMatches(string file)
    {
        var r = Reference(file);
        var m = Model(file);
        var o = m.Render(Batch(r), fixedZVals: r.T("fwd/z_vals"));
        AssertClose(r.T("fwd/points"), o.Points, 1e-4, what: "points");
        AssertClose(r.T("fwd/delta_x"), o.Geometry.DeltaX, 1e-4, what: "delta_x");
        AssertClose(r.T("fwd/weights"), o.Weights, 1e-4, what: "weights");
        AssertClose(r.T("fwd/acc_map"), o.AccMap, 1e-4, what: "acc_map");
        AssertClose(r.T("fwd/rgb_samples"), o.RgbSamples, 1e-4, what: "rgb_samples");
        AssertClose(r.T("out/rgb_values"), o.RgbValues, 1e-4, what: "rgb_values");
        AssertClose(r.T("out/normal_map"), o.NormalMap!, 1e-4, what: "normal_map");
        if (m is Stage1Model)
        {
            AssertClose(r.T("fwd/sdf"), o.Geometry.Sdf, 1e-4, what: "sdf");
            AssertClose(r.T("fwd/sdf_gradients"), o.Geometry.GradTheta, 1e-4, 1e-4, "sdf_gradients");
        }
        else
        {
            AssertClose(r.T("fwd/delta_sdf"), o.Geometry.DeltaSdf!, 1e-4, what: "delta_sdf");
            AssertClose(r.T("fwd/final_sdf"), o.Geometry.Sdf, 1e-4, what: "final_sdf");
            AssertClose(r.T("fwd/final_gradients"), o.Geometry.Normals, 1e-4, 1e-4, "final_gradients");
            if (r.ContainsKey("fwd/sdf")) AssertClose(r.T("fwd/sdf"), o.Geometry.Sdf - o.Geometry.DeltaSdf!, 1e-4, what: "template sdf");
        }
    }
}
