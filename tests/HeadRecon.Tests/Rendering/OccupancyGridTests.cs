using HeadRecon.Config;
using HeadRecon.Models;
using HeadRecon.Rendering;
using HeadRecon.Tests.Config;
using Xunit;
using static TorchSharp.torch;

namespace HeadRecon.Tests.Rendering;

/// <summary>The occupancy grid (ray_sampler.occupancy_grid) on an analytic sphere and inside a model.</summary>
public class OccupancyGridTests
{
    const float Radius = 0.3f;
    static OccupancyGridTests() => HeadRecon.Runtime.TorchRuntime.Initialize();

    static Tensor SphereSdf(Tensor p) => p.norm(1, true, 2) - Radius;

    static readonly OccupancyGridOptions Grid = new() { Resolution = 32, Bound = 0.5, Margin = 0.02 };

    /// <summary>Rays of a 32×32 camera at distance 1.3 on −z looking at the origin, f = 40.</summary>
    static (Tensor Dirs, Tensor Origins) Camera()
    {
        var (dirs, origins, _) = AnalyticSphereTests.Camera(32, 40, 1.3f);
        return (dirs, origins);
    }

    /// <summary>(t of the first hit, distance of the ray's closest approach to the origin).</summary>
    static (Tensor THit, Tensor Miss) Analytic(Tensor origins, Tensor dirs)
    {
        var b = (origins * dirs).sum(1);
        var c = (origins * origins).sum(1) - Radius * Radius;
        var disc = b * b - c;
        var closest = (origins - b.unsqueeze(1) * dirs).norm(1, false, 2);
        return (-b - disc.clamp_min(0).sqrt(), closest);
    }

    [Fact]
    public void FlagsEveryCellTheSurfaceCrossesAndNoFarCell()
    {
        using var grid = OccupancyGrid.Build(Grid, SphereSdf, CPU, builtAt: 0);
        var centres = OccupancyGrid.CellCentres(Grid, CPU);
        var dist = centres.norm(1, false, 2);
        var occ = grid.Occupied.reshape(-1);
        double halfDiag = 0.5 * Math.Sqrt(3) * grid.CellSize;
        // A cell holds surface (or interior) if its centre is within half a diagonal of the ball.
        var mustBeOccupied = dist < Radius + halfDiag;
        var mustBeEmpty = dist > Radius + halfDiag + Grid.Margin + 1e-4;
        Assert.True(occ[mustBeOccupied].all().item<bool>(), "a cell the sphere reaches is not flagged");
        Assert.False(occ[mustBeEmpty].any().item<bool>(), "a cell farther than half a diagonal + margin is flagged");
        // The ball of radius r + halfDiag + margin over the cube, roughly.
        double expected = 4.0 / 3.0 * Math.PI * Math.Pow(Radius + halfDiag + Grid.Margin, 3) / 1.0;
        Assert.InRange(grid.OccupiedFraction, 0.8 * expected, 1.2 * expected);

        // With a large β the density far from the surface is not negligible: the grid must keep beta_factor·β more.
        using var wide = OccupancyGrid.Build(Grid, SphereSdf, CPU, builtAt: 0, beta: 0.01);
        Assert.Equal(halfDiag + Grid.Margin + Grid.BetaFactor * 0.01, wide.Threshold, 1e-6);
        var occWide = wide.Occupied.reshape(-1);
        Assert.True(occWide[dist < Radius + halfDiag + Grid.Margin + Grid.BetaFactor * 0.01 - 1e-4].all().item<bool>());
        Assert.True(wide.OccupiedFraction > grid.OccupiedFraction * 1.5, $"{wide.OccupiedFraction} vs {grid.OccupiedFraction}");
    }

    [Fact]
    public void IntervalsContainTheHitAndSkipTheAirAround()
    {
        var (dirs, origins) = Camera();
        using var grid = OccupancyGrid.Build(Grid, SphereSdf, CPU, builtAt: 0);
        var iv = grid.Intervals(origins, dirs, near: 0.0, far: 6.0);
        var (tHit, miss) = Analytic(origins, dirs);
        var hit = iv.Hit.squeeze(1);
        var near = iv.Near.squeeze(1);
        var far = iv.Far.squeeze(1);
        var hitting = miss < Radius;
        // Every ray that meets the sphere is limited, and its hit lies inside the interval, with room to spare.
        Assert.True(hit[hitting].all().item<bool>());
        Assert.True((near[hitting] <= tHit[hitting] - 0.02f).all().item<bool>(), "near is past the surface");
        Assert.True((far[hitting] >= tHit[hitting] + 0.02f).all().item<bool>(), "far is before the surface");
        // ... and the interval is a small part of [0, 6]: the cube is 1 wide, the camera 1.3 from the centre.
        Assert.True((near[hitting] > 0.7f).all().item<bool>(), $"min near {near[hitting].min().item<float>()}");
        Assert.True((far[hitting] < 1.9f).all().item<bool>(), $"max far {far[hitting].max().item<float>()}");
        // Rays passing far from the ball keep [near, far].
        var clear = miss > Radius + 0.5 * Math.Sqrt(3) * grid.CellSize + Grid.Margin + grid.CellSize;
        Assert.True(clear.any().item<bool>());
        Assert.False(hit[clear].any().item<bool>());
        Assert.True((near[clear] == 0).all().item<bool>() && (far[clear] == 6).all().item<bool>());
    }

    [Fact]
    public void SamplerWithTheGridRendersTheSameSphere()
    {
        var (dirs, origins) = Camera();
        var sampler = new ErrorBoundedSampler(new RaySamplerOptions(), sceneBoundingSphere: 3.0);
        var beta = tensor(0.005f);
        using var grid = OccupancyGrid.Build(Grid, SphereSdf, CPU, builtAt: 0);
        var plain = sampler.Sample(dirs, origins, SphereSdf, beta, training: false);
        var limited = sampler.Sample(dirs, origins, SphereSdf, beta, training: false, intervals: grid.Intervals(origins, dirs, sampler.Near, sampler.Far));
        Tensor Render(SamplerResult s, out Tensor depth)
        {
            var pts = (origins.unsqueeze(1) + s.ZVals.unsqueeze(2) * dirs.unsqueeze(1)).reshape(-1, 3);
            var w = VolumeRenderer.Weights(s.ZVals, LaplaceDensity.Density(SphereSdf(pts), beta), s.Limited);
            depth = (w * s.ZVals).sum(1) / w.sum(1).clamp_min(1e-6f);
            return w.sum(1);
        }
        var accPlain = Render(plain, out var depthPlain);
        var accGrid = Render(limited, out var depthGrid);
        var (tHit, miss) = Analytic(origins, dirs);
        var inside = miss < Radius - 0.02f;
        var outside = miss > Radius + 0.05f;
        Assert.True((accGrid - accPlain).abs().max().item<float>() < 0.02f, $"opacity differs by {(accGrid - accPlain).abs().max().item<float>()}");
        Assert.True(accGrid[inside].min().item<float>() > 0.99f);
        Assert.True(accGrid[outside].max().item<float>() < 0.01f);
        var depthErr = (depthGrid - tHit).abs()[inside];
        Assert.True(depthErr.max().item<float>() < 5 * 0.005f, $"max depth error {depthErr.max().item<float>()}");
        // Denser starting samples: Algorithm 1 needs no more SDF rounds than over [0, 6].
        Assert.True(limited.Iterations <= plain.Iterations, $"{limited.Iterations} rounds with the grid, {plain.Iterations} without");
        Assert.NotNull(limited.Limited);
        Assert.Null(plain.Limited);
    }

    [Fact]
    public void LimitedRaysGiveTheirLastSampleNoInterval()
    {
        var z = tensor(new float[] { 1.0f, 1.1f, 1.2f, 1.0f, 1.1f, 1.2f }).reshape(2, 3);
        var density = full(2, 3, 5.0f);
        var w = VolumeRenderer.Weights(z, density, tensor(new[] { true, false }).reshape(2, 1));
        Assert.Equal(0f, w[0, 2].item<float>());
        Assert.True(w[1, 2].item<float>() > 0.3f); // 1e10 × density: opaque, the original's behaviour
        var original = VolumeRenderer.Weights(z, density);
        Assert.Equal(original[1].data<float>().ToArray(), w[1].data<float>().ToArray());
    }

    [Fact]
    public void ModelRebuildsTheGridOncePerBlockOfIterations()
    {
        var conf = ConfLoader.Load(ConfFilesTests.ConfPath("quickstart_st1.conf"),
        [
            "model.deformTempGeo_network.deform_network.dims=[16, 16]",
            "model.deformTempGeo_network.implicit_network.dims=[64, 64, 64]",
            "model.ray_sampler.N_samples=8", "model.ray_sampler.N_samples_eval=16", "model.ray_sampler.N_samples_extra=4",
            "model.ray_sampler.occupancy_grid { resolution = 16, bound = 0.5, update_iters = 10, beta_factor = 0 }",
        ]);
        manual_seed(3);
        using var model = ModelFactory.Create(conf.Model);
        var batch = HeadRecon.Benchmarks.TrainingBenchmark.SyntheticBatch(64, new Generator(1), CPU, imageSize: 64);
        var code = model.IdShapeEmbedding.forward(batch.Identity);
        model.UpdateToStep(0);
        var g0 = model.OccupancyGridFor(0, code);
        Assert.NotNull(g0);
        model.UpdateToStep(9);
        Assert.Same(g0, model.OccupancyGridFor(0, code));
        model.UpdateToStep(10);
        var g1 = model.OccupancyGridFor(0, code);
        Assert.NotSame(g0, g1);
        Assert.Equal(10, g1!.BuiltAt);
        // With 3 identities trained the period is 3 × update_iters: each identity's grid is rebuilt once per 30 iterations.
        model.UpdateToStep(29, identities: 3);
        Assert.Same(g1, model.OccupancyGridFor(0, code));
        model.UpdateToStep(30, identities: 3);
        Assert.NotSame(g1, model.OccupancyGridFor(0, code));
        model.UpdateToStep(30);
        g1 = model.OccupancyGridFor(0, code)!;
        // The fresh model's SDF is the geometric-init sphere of radius model.implicit_network.bias (0.3 here).
        Assert.InRange(g1.OccupiedFraction, 0.05, 0.6);
        model.train();
        var o = model.Render(batch, new Generator(2));
        Assert.False(o.RgbValues.isnan().any().item<bool>());
        Assert.Equal(64L, o.ZVals.shape[0]);
        // With the default beta_factor (10) and the initial β = 0.1, nothing is far enough from the surface to skip yet.
        using var early = ModelFactory.Create(conf.Model with { RaySampler = conf.Model.RaySampler with { OccupancyGrid = conf.Model.RaySampler.OccupancyGrid with { BetaFactor = 10 } } });
        Assert.Equal(1.0, early.OccupancyGridFor(0, code)!.OccupiedFraction);
        // Without the option no grid is built.
        using var plain = ModelFactory.Create(conf.Model with { RaySampler = conf.Model.RaySampler with { OccupancyGrid = new() } });
        Assert.Null(plain.OccupancyGridFor(0, code));
    }

    [Fact]
    public void BadOptionsNameTheirKey()
    {
        var ex = Assert.Throws<ConfException>(() => ConfLoader.Load(ConfFilesTests.ConfPath("quickstart_st1.conf"), ["model.ray_sampler.occupancy_grid.update_iters=0"]));
        Assert.Contains("model.ray_sampler.occupancy_grid.update_iters", ex.Message);
        ex = Assert.Throws<ConfException>(() => ConfLoader.Load(ConfFilesTests.ConfPath("quickstart_st1.conf"), ["train.max_seconds=-1"]));
        Assert.Contains("train.max_seconds", ex.Message);
    }
}
