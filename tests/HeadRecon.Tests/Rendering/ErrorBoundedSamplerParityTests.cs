using HeadRecon.Parity.Checks;
using Xunit;
using static HeadRecon.Tests.TestSupport;
using static TorchSharp.torch;

namespace HeadRecon.Tests.Rendering;

/// <summary>The sampler checks of the parity catalog (HeadRecon.Parity/Checks/RenderingChecks.cs), on the CPU.</summary>
[Trait("Category", "Parity")]
public class ErrorBoundedSamplerParityTests
{
    public static TheoryData<string> Cases => ParityCases("sampler/");

    [Theory]
    [MemberData(nameof(Cases))]
    public void MatchesTheOriginal(string check) => RunParity(check);
}

public class ErrorBoundedSamplerChunkingTests
{
    [Fact]
    public void ChunkedSdfQueriesGiveTheSameSamplesAndStayWithinTheChunk()
    {
        var r = Reference("sampler.npz");
        var whole = RenderingChecks.SamplerFromReference(r);
        var chunked = new HeadRecon.Rendering.ErrorBoundedSampler(whole.Options with { SdfChunk = 100 }, r["scene_bounding_sphere"].Scalar());
        float radius = (float)r["sphere_radius"].Scalar();
        var beta = new HeadRecon.Rendering.LaplaceDensity(r["beta_param"].AsFloat32()[0], r["beta_min"].Scalar()).GetBeta();
        long largest = 0;
        Tensor Sdf(Tensor p) { largest = Math.Max(largest, p.shape[0]); return p.norm(1, true, 2) - radius; }
        var unchunked = new HeadRecon.Rendering.ErrorBoundedSampler(whole.Options with { SdfChunk = 0 }, r["scene_bounding_sphere"].Scalar());
        var a = unchunked.Sample(r.T("ray_dirs"), r.T("cam_loc"), Sdf, beta, training: false);
        Assert.True(largest > 100);
        largest = 0;
        var b = chunked.Sample(r.T("ray_dirs"), r.T("cam_loc"), Sdf, beta, training: false);
        Assert.InRange(largest, 1, 100);
        Assert.Equal(a.Iterations, b.Iterations);
        Assert.True(a.ZVals.allclose(b.ZVals, rtol: 0, atol: 0));
    }
}
