using HeadRecon.Config;
using HeadRecon.Fields;
using HeadRecon.Rendering;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace HeadRecon.Models;

/// <summary>
/// The parts both stages share: the coarse geometry (template ∘ deformation), the Laplace density, the
/// per-identity shape and colour codes, the error-bounded sampler and the volume renderer. A stage is a
/// subclass that says what the final SDF is (<see cref="EvaluateGeometry"/>, <see cref="SdfValues"/>) and which colour
/// network shades it. Parameter names follow the original so its checkpoints load by name.
/// </summary>
public abstract class HeadModel : nn.Module
{
    public readonly DeformedTemplateField deform_temp_geo_network;
    public readonly LaplaceDensity density;
    public readonly Embedding id_shape_embedding;
    public readonly Embedding id_color_embedding;

    protected HeadModel(ModelOptions o, string name) : base(name)
    {
        Options = o;
        deform_temp_geo_network = new DeformedTemplateField(o.DeformTempGeoNetwork, o.TemplateFeatureDim, o.DimIdentityShape);
        density = new LaplaceDensity(o.Density);
        id_shape_embedding = nn.Embedding(o.NumIdentity, o.DimIdentityShape);
        id_color_embedding = nn.Embedding(o.NumIdentity, o.DimIdentityColor);
        using (no_grad())
        {
            nn.init.normal_(id_shape_embedding.weight!, 0.0, 0.01);
            nn.init.normal_(id_color_embedding.weight!, 0.0, 0.01);
        }
        Sampler = new ErrorBoundedSampler(o.RaySampler, o.SceneBoundingSphere);
        Background = tensor(o.BgColor.Select(v => (float)v).ToArray());
        // With a white background the original does not clamp the SDF by the scene sphere.
        SdfBoundingSphere = o.WhiteBkgd ? 0.0 : o.SceneBoundingSphere;
        SphereScale = o.DeformTempGeoNetwork.ImplicitNetwork.SphereScale;
        NumericalSdfGradient = o.SdfGradient == "numerical";
        register_module("deform_temp_geo_network", deform_temp_geo_network);
        register_module("density", density);
        register_module("id_shape_embedding", id_shape_embedding);
        register_module("id_color_embedding", id_color_embedding);
    }

    public ModelOptions Options { get; }
    public ErrorBoundedSampler Sampler { get; }
    public Tensor Background { get; private set; }
    public double SdfBoundingSphere { get; }
    public double SphereScale { get; }
    /// <summary>model.sdf_gradient = "numerical": <see cref="EvaluateGeometry"/> takes every SDF gradient by central
    /// differences (<see cref="NumericalGradient"/>, step model.numerical_gradient_step) instead of autograd.</summary>
    public bool NumericalSdfGradient { get; }

    /// <summary>The colour network of this stage.</summary>
    public abstract ColorField Color { get; }

    /// <summary>All positional encoders, so a schedule can move their window together.</summary>
    public virtual IEnumerable<PositionalEncoding> Encodings =>
        [deform_temp_geo_network.deform_net.Encoding, deform_temp_geo_network.implicit_net.Encoding, Color.PointEncoding, Color.ViewEncoding];

    /// <summary>Sets α of every positional encoding (1 = all bands open, the original's behaviour).</summary>
    public void SetEncodingAlpha(double alpha)
    {
        foreach (var e in Encodings) e.Alpha = alpha;
    }

    /// <summary>Schedules that follow the training iteration other than the PE window (set by the trainer each step).</summary>
    public virtual void ApplyIterationSchedules(int iteration) { }

    public (Tensor Shape, Tensor Color) Codes(Tensor identity) => (id_shape_embedding.forward(identity), id_color_embedding.forward(identity));

    /// <summary>The final SDF at points (M, 3) for one identity's shape code, without gradients bookkeeping:
    /// what the sampler and marching cubes query.</summary>
    public abstract Tensor SdfValues(Tensor points, Tensor shapeCode);

    /// <summary>Geometry, features and the SDF gradients at points (M, 3); <paramref name="training"/> keeps the graph
    /// for the double backward of the eikonal and deformation-gradient terms. With <see cref="NumericalSdfGradient"/>
    /// the gradients are central differences, ordinary graph tensors (first-order backward only), and outside training
    /// nothing keeps a graph.</summary>
    public abstract GeometrySample EvaluateGeometry(Tensor points, Tensor shapeCode, bool training);

    /// <summary>Applies the scene-sphere clamp min(s, k·(R − ‖x‖)) when the background is not white.</summary>
    public Tensor ClampToSceneSphere(Tensor sdf, Tensor x)
    {
        if (SdfBoundingSphere <= 0.0) return sdf;
        var sphere = SphereScale * (SdfBoundingSphere - x.norm(1, true, 2));
        return minimum(sdf, sphere);
    }

    readonly Dictionary<long, OccupancyGrid> _occupancy = [];

    /// <summary>The training iteration, set by the trainer: occupancy grids are rebuilt when it enters a new block of
    /// update_iters × <see cref="OccupancyIdentities"/> iterations (the checkpoint keeps the grids in use, so a resumed run
    /// uses the same grids until the same rebuild).</summary>
    public int OccupancyStep { get; set; }

    /// <summary>Identities being trained (set by the trainer). Each iteration renders one identity, so a block of
    /// update_iters × identities iterations uses each about update_iters times and rebuilds each grid once: the rebuild
    /// cost per iteration stays rebuild / update_iters whether 1 or 31 identities are trained.</summary>
    public int OccupancyIdentities { get; set; } = 1;

    /// <summary>ray_sampler.occupancy_grid.resolution &gt; 0.</summary>
    public bool OccupancyGridEnabled => Options.RaySampler.OccupancyGrid.Resolution > 0;

    /// <summary>The identity's grid as last built (no rebuild), or null.</summary>
    public OccupancyGrid? CurrentOccupancyGrid(long identity) => _occupancy.GetValueOrDefault(identity);

    /// <summary>The identity's occupancy grid, (re)built from the current SDF when missing or stale; null when
    /// ray_sampler.occupancy_grid.resolution is 0.</summary>
    public OccupancyGrid? OccupancyGridFor(long identity, Tensor shapeCode)
    {
        var o = Options.RaySampler.OccupancyGrid;
        if (!OccupancyGridEnabled) return null;
        long period = (long)o.UpdateIters * Math.Max(1, OccupancyIdentities);
        if (_occupancy.TryGetValue(identity, out var grid) && grid.BuiltAt / period == OccupancyStep / period) return grid;
        grid?.Dispose();
        var code = shapeCode.detach();
        double beta = density.GetBeta().item<float>();
        grid = OccupancyGrid.Build(o, p => SdfValues(p, code), shapeCode.device, OccupancyStep, Options.RaySampler.SdfChunk, beta);
        _occupancy[identity] = grid;
        return grid;
    }

    /// <summary>The grids in use, by identity (a checkpoint keeps them, so a resumed run samples exactly as it would have).</summary>
    public IReadOnlyDictionary<long, OccupancyGrid> OccupancyGrids => _occupancy;

    /// <summary>Puts back a grid saved with the weights it belongs to.</summary>
    public void RestoreOccupancyGrid(long identity, OccupancyGrid grid)
    {
        if (_occupancy.Remove(identity, out var old)) old.Dispose();
        _occupancy[identity] = grid;
    }

    /// <summary>Forgets every occupancy grid (after loading other weights).</summary>
    public void ResetOccupancyGrids()
    {
        foreach (var g in _occupancy.Values) g.Dispose();
        _occupancy.Clear();
    }

    /// <summary>Runs the error-bounded sampler for rays of one identity, limited by its occupancy grid if enabled.</summary>
    /// <param name="identityIndex">the identity on the host, if known (else read from <paramref name="identity"/>, which waits for the device).</param>
    public SamplerResult SampleRays(Tensor rayDirs, Tensor camLoc, Tensor identity, Tensor shapeCode, bool training, Generator? generator = null,
        long? identityIndex = null)
    {
        RayIntervals? intervals = null;
        // Reading the identity index syncs with the device: only when a grid is used and the caller did not give it.
        if (OccupancyGridEnabled && OccupancyGridFor(identityIndex ?? identity.reshape(-1)[0].item<long>(), shapeCode) is { } grid)
            intervals = grid.Intervals(camLoc, rayDirs, Sampler.Near, Sampler.Far);
        return Sampler.Sample(rayDirs, camLoc, p => SdfValues(p, shapeCode), density.GetBeta(), training, generator, intervals);
    }

    /// <summary>The coarse geometry on the 7-point stencil of <see cref="NumericalGradient"/> (model.sdf_gradient =
    /// "numerical"), shared by both stages: s₁ is clamped at every stencil point before differencing, so GradTheta is
    /// ∇ of the clamped s₁ as in the analytic path; GradDeform (∇Σ_i Δx_i) only when training.</summary>
    protected sealed record StencilGeometry(Tensor Points, CoarseGeometry Geometry, Tensor Sdf1, Tensor GradTheta, Tensor? GradDeform, double Step)
    {
        /// <summary>[f_def, f_T] at the centre points (narrowed before the concatenation: 1/7 of the rows).</summary>
        public Tensor CentreFeatures => cat([NumericalGradient.Centre(Geometry.DeformFeature), NumericalGradient.Centre(Geometry.TemplateFeature)], 1);
    }

    protected StencilGeometry EvaluateCoarseOnStencil(Tensor points, Tensor shapeCode, bool training)
    {
        double h = Options.NumericalGradientStep;
        var xs = NumericalGradient.Stencil(points.detach(), h);
        var g = deform_temp_geo_network.Evaluate(xs, shapeCode);
        var sdf1 = ClampToSceneSphere(g.Sdf, xs);
        return new StencilGeometry(xs, g, sdf1, NumericalGradient.Gradient(sdf1, h), training ? NumericalGradient.Gradient(g.DeltaX, h) : null, h);
    }

    protected static Tensor Gradient(Tensor output, Tensor input, bool createGraph) =>
        autograd.grad([output], [input], [ones_like(output)], retain_graph: true, create_graph: createGraph)[0];

    /// <summary>Renders a batch of pixels of one image: samples, geometry, colour, weights and every loss input.</summary>
    /// <param name="fixedZVals">(R, S) depths to use instead of running the sampler (parity checks, debugging).</param>
    /// <param name="sampled">the result of <see cref="SampleRays"/> for these rays, when the caller ran it (e.g. to time it).</param>
    public RenderOutputs Render(RayBatch batch, Generator? generator = null, Tensor? fixedZVals = null, SamplerResult? sampled = null)
    {
        bool train = training;
        if (batch.Uv.shape[0] != 1) throw new ArgumentException("RayBatch: one image per batch (uv shape (1, N, 2))");
        var (rayDirs3, camLoc1) = CameraRays.Compute(batch.Uv, batch.Pose, batch.Intrinsics);
        long rays = rayDirs3.shape[1];
        var rayDirs = rayDirs3.reshape(-1, 3);
        var camLoc = camLoc1.unsqueeze(1).repeat(1, rays, 1).reshape(-1, 3);
        var (shapeCode, colorCode) = Codes(batch.Identity);

        int samplerIterations = 0;
        Tensor zVals;
        Tensor? limited = null;
        if (fixedZVals is null)
        {
            sampled ??= SampleRays(rayDirs, camLoc, batch.Identity, shapeCode, train, generator, batch.IdentityIndex);
            zVals = sampled.ZVals;
            limited = sampled.Limited;
            samplerIterations = sampled.Iterations;
        }
        else
        {
            zVals = fixedZVals;
        }
        long nSamples = zVals.shape[1];
        var points = (camLoc.unsqueeze(1) + zVals.unsqueeze(2) * rayDirs.unsqueeze(1)).reshape(-1, 3);
        var dirsFlat = rayDirs.unsqueeze(1).repeat(1, nSamples, 1).reshape(-1, 3);

        GeometrySample geo;
        using (enable_grad()) geo = EvaluateGeometry(points, shapeCode, train);
        var features = cat([geo.Features, colorCode.expand(points.shape[0], colorCode.shape[1])], 1);
        var rgbSamples = Color.forward(points, geo.Normals, dirsFlat, features);
        var weights = VolumeRenderer.Weights(zVals, density.forward(geo.Sdf), limited);
        var rgb = VolumeRenderer.Composite(weights, rgbSamples);
        if (Options.WhiteBkgd) rgb = VolumeRenderer.WithBackground(rgb, weights, Background.to(rgb.device));

        Tensor? normalMap = null;
        if (!train)
        {
            var g = geo.Normals.detach();
            var n = g / g.norm(1, true, 2);
            n = n * (points.norm(1, true, 2) < 1.0f).to(n.dtype);
            normalMap = VolumeRenderer.Composite(weights, n);
        }
        return new RenderOutputs(rgb, normalMap, weights, zVals, points, rgbSamples, geo, shapeCode, colorCode, samplerIterations);
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing) ResetOccupancyGrids();
        base.Dispose(disposing);
    }

    /// <summary>Moves the model (and its constant background) to a device.</summary>
    public HeadModel ToDevice(Device device)
    {
        this.to(device);
        Background = Background.to(device);
        ResetOccupancyGrids();
        return this;
    }
}
