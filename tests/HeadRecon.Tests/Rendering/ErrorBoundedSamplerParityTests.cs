using HeadRecon.Config;
using HeadRecon.Rendering;
using Xunit;
using static HeadRecon.Tests.TestSupport;
using static TorchSharp.torch;

namespace HeadRecon.Tests.Rendering;

[Trait("Category", "Parity")]
public class ErrorBoundedSamplerParityTests
{
    internal static ErrorBoundedSampler FromReference(Dictionary<string, HeadRecon.IO.NpyArray> r) =>
        new(new RaySamplerOptions
        {
            Near = r["near"].Scalar(),
            NSamples = (int)r["N_samples"].Scalar(),
            NSamplesEval = (int)r["N_samples_eval"].Scalar(),
            NSamplesExtra = (int)r["N_samples_extra"].Scalar(),
            Eps = r["eps"].Scalar(),
            BetaIters = (int)r["beta_iters"].Scalar(),
            MaxTotalIters = (int)r["max_total_iters"].Scalar(),
            AddTiny = r["add_tiny"].Scalar(),
        }, r["scene_bounding_sphere"].Scalar());

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    public void AnalyticSphereDepthsMatchOriginal(int betaCase)
    {
        var r = Reference("sampler.npz");
        var sampler = FromReference(r);
        float radius = (float)r["sphere_radius"].Scalar();
        var density = new LaplaceDensity(r["beta_param"].AsFloat32()[betaCase], r["beta_min"].Scalar());
        var result = sampler.Sample(r.T("ray_dirs"), r.T("cam_loc"), p => p.norm(1, true, 2) - radius, density.GetBeta(), training: false);
        Assert.Equal(r["n_sdf_calls"].AsInt64()[betaCase], result.Iterations);
        AssertClose(r.T("z_samples")[betaCase], result.ZSamples, 1e-4, what: "z_samples");
        AssertClose(r.T("z_vals")[betaCase], result.ZVals, 1e-4, what: "z_vals");
    }
}

public class ErrorBoundedSamplerChunkingTests
{
    [Fact]
    public void ChunkedSdfQueriesGiveTheSameSamplesAndStayWithinTheChunk()
    {
        var r = Reference("sampler.npz");
        var whole = ErrorBoundedSamplerParityTests.FromReference(r);
        var chunked = new ErrorBoundedSampler(whole.Options with { SdfChunk = 100 }, r["scene_bounding_sphere"].Scalar());
        float radius = (float)r["sphere_radius"].Scalar();
        var beta = new LaplaceDensity(r["beta_param"].AsFloat32()[0], r["beta_min"].Scalar()).GetBeta();
        long largest = 0;
        Tensor Sdf(Tensor p) { largest = Math.Max(largest, p.shape[0]); return p.norm(1, true, 2) - radius; }
        var unchunked = new ErrorBoundedSampler(whole.Options with { SdfChunk = 0 }, r["scene_bounding_sphere"].Scalar());
        var a = unchunked.Sample(r.T("ray_dirs"), r.T("cam_loc"), Sdf, beta, training: false);
        Assert.True(largest > 100);
        largest = 0;
        var b = chunked.Sample(r.T("ray_dirs"), r.T("cam_loc"), Sdf, beta, training: false);
        Assert.InRange(largest, 1, 100);
        Assert.Equal(a.Iterations, b.Iterations);
        Assert.True(a.ZVals.allclose(b.ZVals, rtol: 0, atol: 0));
    }
}
