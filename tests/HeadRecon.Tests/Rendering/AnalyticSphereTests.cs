using HeadRecon.Config;
using HeadRecon.Rendering;
using Xunit;
using static TorchSharp.torch;

namespace HeadRecon.Tests.Rendering;

/// <summary>The sampler and the volume rendering on an analytic sphere SDF seen by a known pinhole camera.</summary>
public class AnalyticSphereTests
{
    const float Radius = 0.5f;
    static AnalyticSphereTests() => HeadRecon.Runtime.TorchRuntime.Initialize();

    /// <summary>A res×res camera at <paramref name="distance"/> on −z looking at the origin (OpenCV axes), focal f.</summary>
    internal static (Tensor Dirs, Tensor Origins, Tensor Uv) Camera(int res = 48, float f = 60, float distance = 2.0f)
    {
        var pose = eye(4).unsqueeze(0);
        pose[0, 2, 3] = tensor(-distance);
        var k = eye(4).unsqueeze(0);
        k[0, 0, 0] = tensor(f); k[0, 1, 1] = tensor(f);
        k[0, 0, 2] = tensor(res / 2f); k[0, 1, 2] = tensor(res / 2f);
        var ij = meshgrid([arange(res, dtype: float32), arange(res, dtype: float32)], indexing: "xy");
        var uv = stack([ij[0].flatten(), ij[1].flatten()], 1).unsqueeze(0);
        var (dirs, cam) = CameraRays.Compute(uv, pose, k);
        var d = dirs.reshape(-1, 3);
        return (d, cam.expand(d.shape[0], 3), uv.reshape(-1, 2));
    }

    static Tensor SphereSdf(Tensor p) => p.norm(1, true, 2) - Radius;

    [Fact]
    public void FinalSamplesConcentrateAtTheSurfaceOnHittingRays()
    {
        var (dirs, origins, _) = Camera(24);
        var sampler = new ErrorBoundedSampler(new RaySamplerOptions(), sceneBoundingSphere: 3.0);
        float beta = 0.01f;
        var result = sampler.Sample(dirs, origins, SphereSdf, tensor(beta), training: false);
        // Analytic first hit: |o + t d| = r.
        var b = (origins * dirs).sum(1);
        var c = (origins * origins).sum(1) - Radius * Radius;
        var disc = b * b - c;
        var hit = disc > 0.05f; // clearly hitting rays (not grazing)
        var tHit = -b - disc.clamp_min(0).sqrt();
        var weights = VolumeRenderer.Weights(result.ZVals, LaplaceDensity.Density(SphereSdf((origins.unsqueeze(1) + result.ZVals.unsqueeze(2) * dirs.unsqueeze(1)).reshape(-1, 3)), tensor(beta)));
        // Weighted mean depth of the samples is within a few β of the analytic hit, and most final samples sit there.
        var meanDepth = (weights * result.ZVals).sum(1) / weights.sum(1);
        var err = (meanDepth - tHit).abs()[hit];
        Assert.True(err.max().item<float>() < 5 * beta, $"max depth error {err.max().item<float>()} (β = {beta})");
        var nearSurface = ((result.ZSamples - tHit.unsqueeze(1)).abs() < 10 * beta).to(float32).mean([1])[hit];
        Assert.True(nearSurface.min().item<float>() > 0.5, $"fraction of final samples within 10β: min {nearSurface.min().item<float>()}");
        Assert.Equal(98, result.ZVals.shape[1]);
    }

    [Fact]
    public void RenderedSilhouetteMatchesTheAnalyticDisc()
    {
        int res = 48;
        var (dirs, origins, uv) = Camera(res);
        var sampler = new ErrorBoundedSampler(new RaySamplerOptions(), sceneBoundingSphere: 3.0);
        var beta = tensor(0.005f);
        var z = sampler.Sample(dirs, origins, SphereSdf, beta, training: false).ZVals;
        var pts = (origins.unsqueeze(1) + z.unsqueeze(2) * dirs.unsqueeze(1)).reshape(-1, 3);
        var acc = VolumeRenderer.Weights(z, LaplaceDensity.Density(SphereSdf(pts), beta)).sum(1);
        // The sphere's image is a disc of radius f·tan(asin(r/d)) around the principal point.
        double discRadius = 60 * Math.Tan(Math.Asin(Radius / 2.0));
        var du = uv.select(1, 0) - res / 2f;
        var dv = uv.select(1, 1) - res / 2f;
        var rr = (du * du + dv * dv).sqrt();
        var inside = rr < discRadius - 1;
        // Just outside the rim a ray passes ~β·5 from the surface and still gathers a little opacity: allow 2 px there.
        var outside = rr > discRadius + 2;
        Assert.True(acc[inside].min().item<float>() > 0.99f, $"inside min opacity {acc[inside].min().item<float>()}");
        Assert.True(acc[outside].max().item<float>() < 0.01f, $"outside max opacity {acc[outside].max().item<float>()}");
        // Area of the rendered silhouette equals the disc's within one pixel ring.
        double area = acc.sum().item<float>();
        Assert.InRange(area, Math.PI * Math.Pow(discRadius - 1, 2), Math.PI * Math.Pow(discRadius + 1, 2));
    }
}
