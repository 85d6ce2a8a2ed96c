using HeadRecon.Config;
using HeadRecon.Fields;
using HeadRecon.Rendering;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace HeadRecon.Models;

/// <summary>A named set of parameters a trainer may freeze or give its own learning rate (train.freeze, train.group_lr_scale).</summary>
/// <param name="Parameters">the group's parameters by state-dict name, in the model's parameter order.</param>
public sealed record ParameterGroup(string Name, IReadOnlyList<(string Name, Parameter Parameter)> Parameters);

/// <summary>
/// The parts both stages share: the coarse geometry (template ∘ deformation), the Laplace density, the
/// per-identity shape and colour codes, the error-bounded sampler and the volume renderer. A stage is a
/// subclass that says what the final SDF is (<see cref="EvaluateGeometry"/>, <see cref="SdfValues"/>), which colour
/// network shades it, and how it trains. Parameter names follow the original so its checkpoints load by name.
/// </summary>
/// <remarks>
/// The training contract (after nerfstudio's get_param_groups / get_loss_dict / get_training_callbacks): a stage names
/// its <see cref="ParameterGroups"/>, computes its objective (<see cref="Loss"/>), applies its own per-iteration
/// schedules (<see cref="UpdateToStep"/>: the PE window, the hash grid's levels, the occupancy grids' rebuilds) and
/// gives the state of those schedules to its checkpoint (<see cref="ScheduleState"/>, <see cref="RestoreScheduleState"/>).
/// The trainer, the run loader, the benchmarks and the notebooks use only this; none of them asks which stage it holds.
/// </remarks>
public abstract class HeadModel : nn.Module
{
    // Registration is explicit, under the original's PyTorch names. TorchSharp's reflection-based registration, which
    // register_module runs on every submodule, would add each property's backing field a second time.
    protected override void RegisterComponents() { }

    public DeformedTemplateField DeformTempGeoNetwork { get; }
    public LaplaceDensity Density { get; }
    public Embedding IdShapeEmbedding { get; }
    public Embedding IdColorEmbedding { get; }

    readonly OccupancyGridSet _occupancy;

    /// <param name="window">the PE window schedule; its initial α is every encoding's α when built (the original's pe_alpha).</param>
    protected HeadModel(ModelOptions o, EncodingWindow window, string name) : base(name)
    {
        Options = o;
        Window = window;
        _occupancy = new OccupancyGridSet(o.RaySampler.OccupancyGrid);
        DeformTempGeoNetwork = new DeformedTemplateField(o.DeformTempGeoNetwork, o.TemplateFeatureDim, o.DimIdentityShape, window.InitialAlpha);
        Density = new LaplaceDensity(o.Density);
        IdShapeEmbedding = nn.Embedding(o.NumIdentity, o.DimIdentityShape);
        IdColorEmbedding = nn.Embedding(o.NumIdentity, o.DimIdentityColor);
        using (no_grad())
        {
            nn.init.normal_(IdShapeEmbedding.weight!, 0.0, 0.01);
            nn.init.normal_(IdColorEmbedding.weight!, 0.0, 0.01);
        }
        Sampler = new ErrorBoundedSampler(o.RaySampler, o.SceneBoundingSphere);
        Background = tensor(o.BgColor.Select(v => (float)v).ToArray());
        // With a white background the original does not clamp the SDF by the scene sphere.
        SdfBoundingSphere = o.WhiteBkgd ? 0.0 : o.SceneBoundingSphere;
        SphereScale = o.DeformTempGeoNetwork.ImplicitNetwork.SphereScale;
        NumericalSdfGradient = o.SdfGradient == "numerical";
        register_module("deform_temp_geo_network", DeformTempGeoNetwork);
        register_module("density", Density);
        register_module("id_shape_embedding", IdShapeEmbedding);
        register_module("id_color_embedding", IdColorEmbedding);
    }

    public ModelOptions Options { get; }
    /// <summary>The PE window schedule (<see cref="UpdateToStep"/> applies it).</summary>
    public EncodingWindow Window { get; }
    public ErrorBoundedSampler Sampler { get; }
    public Tensor Background { get; private set; }
    public double SdfBoundingSphere { get; }
    public double SphereScale { get; }
    /// <summary>model.sdf_gradient = "numerical": <see cref="EvaluateGeometry"/> takes every SDF gradient by central
    /// differences (<see cref="NumericalGradient"/>, step model.numerical_gradient_step) instead of autograd.</summary>
    public bool NumericalSdfGradient { get; }

    /// <summary>The colour network of this stage.</summary>
    public abstract ColorField Color { get; }

    /// <summary>Whether <see cref="Color"/> takes only the deformed template's features and the colour code, so colours can
    /// be rendered from the template alone (photometric alignment); false when it also needs this stage's own features.</summary>
    public abstract bool ColorFromTemplateFeatures { get; }

    /// <summary>"stage1", "stage2": what checkpoints and benchmarks call this stage.</summary>
    public abstract string Stage { get; }

    /// <summary>All positional encoders, so the window schedule moves them together.</summary>
    public virtual IEnumerable<PositionalEncoding> Encodings =>
        [DeformTempGeoNetwork.DeformNet.Encoding, DeformTempGeoNetwork.ImplicitNet.Encoding, Color.PointEncoding, Color.ViewEncoding];

    // ---------------------------------------------------------------- training contract

    /// <summary>The modules of each parameter group, in the order the groups are listed: every parameter belongs to exactly one.</summary>
    protected virtual IEnumerable<(string Group, nn.Module Module)> GroupModules() =>
    [
        ("template", DeformTempGeoNetwork.ImplicitNet),
        ("deformation", DeformTempGeoNetwork.DeformNet),
        ("color", Color),
        ("codes", IdShapeEmbedding),
        ("codes", IdColorEmbedding),
        ("density", Density),
    ];

    /// <summary>This stage's parameter groups (nerfstudio's get_param_groups), each with its parameters in the model's order.</summary>
    public IReadOnlyList<ParameterGroup> ParameterGroups()
    {
        var groupOf = new Dictionary<Parameter, string>(ReferenceEqualityComparer.Instance);
        var order = new List<string>();
        foreach (var (group, module) in GroupModules())
        {
            if (!order.Contains(group)) order.Add(group);
            foreach (var p in module.parameters()) groupOf.Add(p, group);
        }
        var members = order.ToDictionary(g => g, _ => new List<(string, Parameter)>());
        foreach (var (name, p) in named_parameters())
            members[groupOf.TryGetValue(p, out var g) ? g : throw new InvalidOperationException($"{GetType().Name}: parameter {name} is in no parameter group")].Add((name, p));
        return [.. order.Select(g => new ParameterGroup(g, members[g]))];
    }

    /// <summary>Fails with one error naming <paramref name="key"/> when a name is not one of this stage's groups.</summary>
    public void CheckGroupNames(IEnumerable<string> names, string key)
    {
        var known = ParameterGroups().Select(g => g.Name).ToList();
        foreach (var n in names)
            if (!known.Contains(n)) throw new ConfException($"'{n}' is not a parameter group of {Stage} (its groups: {string.Join(", ", known)})", key: key);
    }

    /// <summary>This stage's objective for one rendered training batch (nerfstudio's get_loss_dict): the terms it has, weighted by <paramref name="loss"/>.</summary>
    public abstract LossTerms Loss(RenderOutputs outputs, Tensor rgbGt, HeadLoss loss);

    /// <summary>The terms both stages end with: the code priors and the deformation's size and smoothness.</summary>
    protected static IEnumerable<LossTerm> CodeAndDeformationTerms(RenderOutputs o, HeadLoss loss) =>
    [
        loss.ShapeCode(o.ShapeCode),
        loss.ColorCode(o.ColorCode),
        loss.DeformationGradient(o.Geometry.GradDeform ?? throw new InvalidOperationException("the deformation-gradient term needs a batch rendered in training mode")),
        loss.Deformation(o.Geometry.DeltaX),
    ];

    /// <summary>
    /// Applies every schedule that follows the training iteration (nerfstudio's update_to_step): the PE window α,
    /// and the iteration the occupancy grids are kept current for, with <paramref name="identities"/> identities
    /// trained one per iteration. The trainer calls it before each step; the run loader with the checkpoint's iteration.
    /// </summary>
    public virtual void UpdateToStep(int iteration, int identities = 1)
    {
        double alpha = Window.Alpha(iteration);
        foreach (var e in Encodings) e.Alpha = alpha;
        _occupancy.UpdateToStep(iteration, identities);
    }

    /// <summary>What this model's schedules add to the metrics of a step that rendered <paramref name="identity"/> (occupancy grid use and rebuild time).</summary>
    public IEnumerable<(string Name, double Value)> StepMetrics(long identity) => _occupancy.Metrics(identity);

    /// <summary>The schedules' state to keep in a checkpoint beside the weights (the occupancy grids in use).</summary>
    public IEnumerable<(string Name, byte[] Bytes)> ScheduleState() => _occupancy.Save();

    /// <summary>Puts back what <see cref="ScheduleState"/> saved: <paramref name="members"/> are a checkpoint's member names,
    /// <paramref name="read"/> reads one; errors name <paramref name="source"/>.</summary>
    public void RestoreScheduleState(IEnumerable<string> members, Func<string, byte[]> read, string source) =>
        _occupancy.Restore(members, read, source, Background.device);

    public (Tensor Shape, Tensor Color) Codes(Tensor identity) => (IdShapeEmbedding.forward(identity), IdColorEmbedding.forward(identity));

    /// <summary>
    /// Both codes (1 × dim each, detached) by name: "zero", "mean" (over every identity slot) or an identity index,
    /// as the alignment and notebooks choose a starting code for a person the template has not seen.
    /// </summary>
    public (Tensor Shape, Tensor Color) Codes(string code)
    {
        var ws = IdShapeEmbedding.weight!.detach();
        var wc = IdColorEmbedding.weight!.detach();
        if (code == "zero") return (zeros(1, ws.shape[1], device: ws.device), zeros(1, wc.shape[1], device: wc.device));
        if (code == "mean") return (ws.mean([0], keepdim: true), wc.mean([0], keepdim: true));
        if (int.TryParse(code, System.Globalization.NumberStyles.Integer, System.Globalization.CultureInfo.InvariantCulture, out int i) && i >= 0 && i < ws.shape[0])
            return (ws.narrow(0, i, 1), wc.narrow(0, i, 1));
        throw new ArgumentException($"code '{code}': expected zero, mean or an identity index < {ws.shape[0]}");
    }

    /// <summary>The shape code z_s of one identity (1, D), detached: what marching cubes, slices and analyses evaluate the SDF with.</summary>
    public Tensor ShapeCode(long identity) => IdShapeEmbedding.forward(tensor(new[] { identity }, device: Background.device)).detach();

    /// <summary>The final SDF at points (M, 3) for one identity's shape code, without gradients bookkeeping:
    /// what the sampler and marching cubes query.</summary>
    public abstract Tensor SdfValues(Tensor points, Tensor shapeCode);

    /// <summary>The per-person displacement δ at points (M, 3) → (M, 1), without gradients bookkeeping; zero for a stage
    /// without one (the final SDF is then the coarse s₁).</summary>
    public virtual Tensor DisplacementValues(Tensor points, Tensor shapeCode) => zeros(points.shape[0], 1, dtype: points.dtype, device: points.device);

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

    /// <summary>ray_sampler.occupancy_grid.resolution &gt; 0.</summary>
    public bool OccupancyGridEnabled => _occupancy.Enabled;

    /// <summary>The identity's grid as last built (no rebuild), or null.</summary>
    public OccupancyGrid? CurrentOccupancyGrid(long identity) => _occupancy.Current(identity);

    /// <summary>The identity's occupancy grid, (re)built from the current SDF when missing or stale for the step of
    /// <see cref="UpdateToStep"/>; null when ray_sampler.occupancy_grid.resolution is 0.</summary>
    public OccupancyGrid? OccupancyGridFor(long identity, Tensor shapeCode)
    {
        if (!OccupancyGridEnabled) return null;
        return _occupancy.For(identity, step =>
        {
            var code = shapeCode.detach();
            double beta = Density.GetBeta().item<float>();
            return OccupancyGrid.Build(Options.RaySampler.OccupancyGrid, p => SdfValues(p, code), shapeCode.device, step, Options.RaySampler.SdfChunk, beta);
        });
    }

    /// <summary>Forgets every occupancy grid (after loading other weights).</summary>
    public void ResetOccupancyGrids() => _occupancy.Reset();

    /// <summary>
    /// Which rays of a batch (N, bool) pass through an occupied cell of the identity's occupancy grid; null without a
    /// grid, or when the scene has no white background (then the scene-sphere clamp puts a surface beyond the grid, which
    /// every ray meets). A ray that passes no occupied cell meets SDF values above the grid's margin everywhere, where
    /// the density is zero to float precision: it renders the background colour.
    /// </summary>
    public Tensor? OccupiedRays(RayBatch batch)
    {
        if (!OccupancyGridEnabled || !Options.WhiteBkgd) return null;
        var (rayDirs3, camLoc1) = CameraRays.Compute(batch.Uv, batch.Pose, batch.Intrinsics);
        long rays = rayDirs3.shape[1];
        var (shapeCode, _) = Codes(batch.Identity);
        var grid = OccupancyGridFor(batch.IdentityIndex ?? batch.Identity.reshape(-1)[0].item<long>(), shapeCode);
        return grid?.Intervals(camLoc1.unsqueeze(1).repeat(1, rays, 1).reshape(-1, 3), rayDirs3.reshape(-1, 3), Sampler.Near, Sampler.Far).Hit.reshape(-1);
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
        return Sampler.Sample(rayDirs, camLoc, p => SdfValues(p, shapeCode), Density.GetBeta(), training, generator, intervals);
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
        var g = DeformTempGeoNetwork.Evaluate(xs, shapeCode);
        var sdf1 = ClampToSceneSphere(g.Sdf, xs);
        return new StencilGeometry(xs, g, sdf1, NumericalGradient.Gradient(sdf1, h), training ? NumericalGradient.Gradient(g.DeltaX, h) : null, h);
    }

    /// <param name="path">the networks between <paramref name="input"/> and <paramref name="output"/>, the one producing
    /// the output first: what an active <see cref="MatmulCount"/> counts for this pass.</param>
    protected static Tensor Gradient(Tensor output, Tensor input, bool createGraph, params LayerStack[] path)
    {
        MatmulCount.Active?.GradientPass(createGraph, path);
        return autograd.grad([output], [input], [ones_like(output)], retain_graph: true, create_graph: createGraph)[0];
    }

    /// <summary>The layers of template and deformation, in the order a gradient of s₁ passes them.</summary>
    protected LayerStack[] CoarsePath => [DeformTempGeoNetwork.ImplicitNet.Layers, DeformTempGeoNetwork.DeformNet.Layers];

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
        var weights = VolumeRenderer.Weights(zVals, Density.forward(geo.Sdf), limited);
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
        if (disposing) _occupancy.Dispose();
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
