using HeadRecon.Config;
using HeadRecon.Rendering;
using TorchSharp;
using static TorchSharp.torch;

namespace HeadRecon.Parity.Checks;

/// <summary>Laplace density (density.npz) and the error-bounded sampler on an analytic sphere (sampler.npz).</summary>
public static class RenderingChecks
{
    /// <summary>β to 6 decimals, densities atol 1e-5 + rtol 1e-5.</summary>
    public static void Density(ParityContext ctx, int row)
    {
        var r = ctx.Reference("density.npz");
        var density = new LaplaceDensity(r["beta_param"].AsFloat32()[row], r["beta_min"].Scalar());
        density.to(ctx.Device);
        ctx.Equal(r["beta"].AsFloat32()[row], density.GetBeta().item<float>(), 6, "beta");
        ctx.Close(r.T("density")[row], density.forward(r.T("sdf")), 1e-5, 1e-5, "density");
    }

    /// <summary>Analytic: σ(0) = 0.5/β, 4 decimals.</summary>
    public static void DensityAtTheSurface(ParityContext ctx)
    {
        var d = new LaplaceDensity(0.1, 1e-4);
        d.to(ctx.Device);
        ctx.Equal(0.5 / 0.1001, d.forward(zeros(1, device: ctx.Device)).item<float>(), 4, "density at s = 0");
    }

    public static ErrorBoundedSampler SamplerFromReference(ReferenceFile r) =>
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

    /// <summary>Exact count of SDF evaluations; z_samples and z_vals atol 1e-4.</summary>
    public static void AnalyticSphereDepths(ParityContext ctx, int betaCase)
    {
        var r = ctx.Reference("sampler.npz");
        var sampler = SamplerFromReference(r);
        float radius = (float)r["sphere_radius"].Scalar();
        var density = new LaplaceDensity(r["beta_param"].AsFloat32()[betaCase], r["beta_min"].Scalar());
        density.to(ctx.Device);
        var result = sampler.Sample(r.T("ray_dirs"), r.T("cam_loc"), p => p.norm(1, true, 2) - radius, density.GetBeta(), training: false);
        ctx.Exact(r["n_sdf_calls"].AsInt64()[betaCase], result.Iterations, "SDF evaluations");
        ctx.Close(r.T("z_samples")[betaCase], result.ZSamples, 1e-4, what: "z_samples");
        ctx.Close(r.T("z_vals")[betaCase], result.ZVals, 1e-4, what: "z_vals");
    }
}
