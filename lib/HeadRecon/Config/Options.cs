namespace HeadRecon.Config;

/// <summary>Names the HOCON key a property is read from (the original's key spelling).</summary>
[AttributeUsage(AttributeTargets.Property)]
public sealed class ConfKeyAttribute(string key) : Attribute
{
    public string Key { get; } = key;
}

/// <summary>The whole run configuration (one .conf file): the original's sections plus our extensions.</summary>
public sealed record HeadConf
{
    [ConfKey("train")] public TrainOptions Train { get; init; } = new();
    [ConfKey("plot")] public PlotOptions Plot { get; init; } = new();
    [ConfKey("loss")] public LossOptions Loss { get; init; } = new();
    [ConfKey("dataset")] public DatasetOptions Dataset { get; init; } = new();
    [ConfKey("model")] public ModelOptions Model { get; init; } = new();
}

public sealed record TrainOptions
{
    [ConfKey("expname")] public string ExpName { get; init; } = "face";
    /// <summary>The original's dataset class: it must be the one of dataset.format (see <see cref="ClassNames.DatasetClasses"/>);
    /// "" = whatever dataset.format names.</summary>
    [ConfKey("dataset_class")] public string DatasetClass { get; init; } = "";
    /// <summary>The original's network class: only <see cref="ClassNames.VolSdfNetwork"/> (model.st1_flag chooses the stage).</summary>
    [ConfKey("model_class")] public string ModelClass { get; init; } = ClassNames.VolSdfNetwork;
    /// <summary>The original's loss class: only <see cref="ClassNames.VolSdfLoss"/>.</summary>
    [ConfKey("loss_class")] public string LossClass { get; init; } = ClassNames.VolSdfLoss;
    [ConfKey("learning_rate")] public double LearningRate { get; init; } = 5.0e-4;
    [ConfKey("sched_decay_rate")] public double SchedDecayRate { get; init; } = 0.1;
    [ConfKey("num_pixels")] public int NumPixels { get; init; } = 1024;
    [ConfKey("checkpoint_freq")] public int CheckpointFreq { get; init; } = 100;
    [ConfKey("plot_freq")] public int PlotFreq { get; init; } = 100;
    [ConfKey("split_n_pixels")] public int SplitNPixels { get; init; } = 1024;
    /// <summary>Epochs (one epoch = one pass over all training images), as the original's --nepoch.</summary>
    [ConfKey("nepochs")] public int NEpochs { get; init; } = 2000;
    /// <summary>Extension: when &gt; 0, train exactly this many iterations instead of nepochs × images.</summary>
    [ConfKey("max_iterations")] public int MaxIterations { get; init; } = 0;
    /// <summary>Extension: RNG seed for initialisation, pixel and view sampling.</summary>
    [ConfKey("seed")] public int Seed { get; init; } = 0;
    /// <summary>Extension: parameter groups kept fixed, by the names the model gives them ("template", "deformation", "color",
    /// "codes", "density"; stage 2 also "displacement").</summary>
    [ConfKey("freeze")] public IReadOnlyList<string> Freeze { get; init; } = [];
    /// <summary>Extension: learning-rate multipliers by parameter group, e.g. { codes = 10.0 } (an auto-decoder's codes often
    /// want a larger rate when fitting an unseen person); every group not named keeps 1.</summary>
    [ConfKey("group_lr_scale")] public IReadOnlyDictionary<string, double> GroupLrScale { get; init; } = new Dictionary<string, double>();
    /// <summary>Extension: PE window schedule — alpha goes linearly from pe_alpha_start to 1 over this many iterations (0 = the original: alpha fixed at 1).</summary>
    [ConfKey("pe_alpha_iters")] public int PeAlphaIters { get; init; } = 0;
    [ConfKey("pe_alpha_start")] public double PeAlphaStart { get; init; } = 1.0;
    /// <summary>Extension: redraw pixels every iteration (true) or share one subset per epoch like the original's worker quirk (false).</summary>
    [ConfKey("redraw_pixels_every_iteration")] public bool RedrawPixelsEveryIteration { get; init; } = true;
    /// <summary>Extension: share of each iteration's rays drawn in proportion to the photo's local contrast (Sobel magnitude:
    /// eyes, brows, lips, silhouette) instead of uniformly; 0 = all uniform, as the original.</summary>
    [ConfKey("detail_pixel_fraction")] public double DetailPixelFraction { get; init; } = 0;
    /// <summary>Extension: checkpoint (or run folder) whose parameters initialise this run by name, like the
    /// original's --checkpoint for stage 2 (load_state_dict(strict=False)); empty = fresh initialisation.</summary>
    [ConfKey("init_checkpoint")] public string InitCheckpoint { get; init; } = "";
    /// <summary>Extension: write metrics every this many iterations (0 = every iteration).</summary>
    [ConfKey("log_freq")] public int LogFreq { get; init; } = 10;
    /// <summary>Extension: checkpoint every this many iterations (0 = use checkpoint_freq epochs).</summary>
    [ConfKey("checkpoint_iters")] public int CheckpointIters { get; init; } = 0;
    /// <summary>Extension: PNG snapshot (render, normals, SDF slice) every this many iterations (0 = use plot_freq epochs).</summary>
    [ConfKey("plot_iters")] public int PlotIters { get; init; } = 0;
    /// <summary>Extension: stop (and checkpoint) once training has run this many seconds of wall time in this
    /// process (0 = no limit); the learning-rate schedule still follows the iteration count. For equal-time comparisons.</summary>
    [ConfKey("max_seconds")] public double MaxSeconds { get; init; } = 0;
}

public sealed record PlotOptions
{
    /// <summary>Views in each training snapshot (spread over the training views).</summary>
    [ConfKey("plot_nimgs")] public int PlotNImgs { get; init; } = 1;
    [ConfKey("resolution")] public int Resolution { get; init; } = 512;
    [ConfKey("grid_boundary")] public IReadOnlyList<double> GridBoundary { get; init; } = [-0.3, 0.3];
}

public sealed record LossOptions
{
    [ConfKey("eikonal_weight")] public double EikonalWeight { get; init; } = 0.01;
    [ConfKey("rgb_loss")] public string RgbLoss { get; init; } = "torch.nn.L1Loss";
    [ConfKey("disp_weight")] public double DispWeight { get; init; } = 0.001;
    [ConfKey("disp_loss")] public string DispLoss { get; init; } = "torch.nn.L1Loss";
    [ConfKey("disp_grad_weight")] public double DispGradWeight { get; init; } = 0.001;
    [ConfKey("disp_grad_loss")] public string DispGradLoss { get; init; } = "torch.nn.L1Loss";
    [ConfKey("deform_grad_weight")] public double DeformGradWeight { get; init; } = 0.001;
    [ConfKey("deform_weight")] public double DeformWeight { get; init; } = 0.001;
    [ConfKey("shape_code_weight")] public double ShapeCodeWeight { get; init; } = 0.001;
    [ConfKey("color_code_weight")] public double ColorCodeWeight { get; init; } = 0.001;
    [ConfKey("latent_code_loss")] public string LatentCodeLoss { get; init; } = "torch.nn.MSELoss";

    /// <summary>The penalties the class names above choose (<see cref="ClassNames.LossClasses"/>).</summary>
    public LossPenalty RgbPenalty => ClassNames.Penalty(RgbLoss, "loss.rgb_loss");
    public LossPenalty DispPenalty => ClassNames.Penalty(DispLoss, "loss.disp_loss");
    public LossPenalty DispGradPenalty => ClassNames.Penalty(DispGradLoss, "loss.disp_grad_loss");
    public LossPenalty LatentCodePenalty => ClassNames.Penalty(LatentCodeLoss, "loss.latent_code_loss");
}

public sealed record DatasetOptions
{
    /// <summary>"pr" (Agisoft XML, the paper's PR/FLM data and our synthetic heads), "idr" (cameras.npz) or "facescape".</summary>
    [ConfKey("format")] public string Format { get; init; } = "pr";

    /// <summary>The loader <see cref="Format"/> names, whatever its spelling: "pr" (also "flm"), "idr" (also "dtu", "h3ds"),
    /// "facescape"; null for an unknown format.</summary>
    public string? FormatFamily => Format.ToLowerInvariant() switch
    {
        "pr" or "flm" => "pr",
        "idr" or "dtu" or "h3ds" => "idr",
        "facescape" => "facescape",
        _ => null,
    };
    [ConfKey("data_dir")] public string DataDir { get; init; } = "data/generated/heads";
    [ConfKey("img_res")] public IReadOnlyList<int> ImgRes { get; init; } = [512, 512];
    /// <summary>-1: all identities of id.txt (stage 1); otherwise one identity (stage 2).</summary>
    [ConfKey("scan_id")] public string ScanId { get; init; } = "-1";
    [ConfKey("cam_scale")] public double CamScale { get; init; } = 0.15;
    [ConfKey("id_list")] public string IdList { get; init; } = "id.txt";
    [ConfKey("init_view_path")] public string InitViewPath { get; init; } = "15_view.json";
    [ConfKey("sparse_view_num")] public int SparseViewNum { get; init; } = 15;
    [ConfKey("fine_tune_flag")] public bool FineTuneFlag { get; init; } = false;
    [ConfKey("fine_tune_view")] public int FineTuneView { get; init; } = 1;
    /// <summary>Extension: alignment.json (scene → template similarity, see Data/AlignmentFile.cs) applied to the
    /// cameras at load time; relative to data_dir; empty = none.</summary>
    [ConfKey("alignment")] public string Alignment { get; init; } = "";
}

public sealed record ModelOptions
{
    /// <summary>st1_flag: true builds stage 1 (template ∘ deformation), false stage 2 (with the displacement); read only
    /// by Models/ModelFactory.</summary>
    [ConfKey("st1_flag")] public bool FirstStage { get; init; } = true;
    [ConfKey("white_bkgd")] public bool WhiteBkgd { get; init; } = true;
    [ConfKey("bg_color")] public IReadOnlyList<double> BgColor { get; init; } = [1.0, 1.0, 1.0];
    [ConfKey("template_feature_dim")] public int TemplateFeatureDim { get; init; } = 64;
    [ConfKey("scene_bounding_sphere")] public double SceneBoundingSphere { get; init; } = 3.0;
    [ConfKey("num_identity")] public int NumIdentity { get; init; } = 31;
    [ConfKey("dim_identity_shape")] public int DimIdentityShape { get; init; } = 128;
    [ConfKey("dim_identity_color")] public int DimIdentityColor { get; init; } = 128;
    /// <summary>The original's increment on every positional encoding's α = 1 at construction, clamped to [0, 1]: any value
    /// ≥ 0 opens every band (the released confs' 1000), ≤ −1 closes them (spec §1.4).</summary>
    [ConfKey("pe_alpha")] public double PeAlpha { get; init; } = 1000;
    [ConfKey("use_tv_loss")] public bool UseTvLoss { get; init; } = false;
    /// <summary>Extension: how the SDF gradients (normals, eikonal, deformation and displacement gradients) are
    /// computed: "analytic" (autograd with a double backward, the original) or "numerical" (central differences of
    /// the fields at x ± h·e_i, first-order backward only).</summary>
    [ConfKey("sdf_gradient")] public string SdfGradient { get; init; } = "analytic";
    /// <summary>Extension: h of the numerical SDF gradient, in scene units.</summary>
    [ConfKey("numerical_gradient_step")] public double NumericalGradientStep { get; init; } = 1e-3;
    [ConfKey("deformTempGeo_network")] public DeformTempGeoOptions DeformTempGeoNetwork { get; init; } = new();
    [ConfKey("displacement_network")] public DisplacementNetworkOptions DisplacementNetwork { get; init; } = new();
    [ConfKey("rendering_network")] public RenderingNetworkOptions RenderingNetwork { get; init; } = new();
    [ConfKey("density")] public DensityOptions Density { get; init; } = new();
    [ConfKey("ray_sampler")] public RaySamplerOptions RaySampler { get; init; } = new();
}

public sealed record DeformTempGeoOptions
{
    [ConfKey("deform_network")] public DeformNetworkOptions DeformNetwork { get; init; } = new();
    [ConfKey("implicit_network")] public ImplicitNetworkOptions ImplicitNetwork { get; init; } = new();
}

public sealed record DeformNetworkOptions
{
    [ConfKey("d_in")] public int DIn { get; init; } = 3;
    [ConfKey("d_out")] public int DOut { get; init; } = 3;
    [ConfKey("dims")] public IReadOnlyList<int> Dims { get; init; } = [256, 256, 256, 256];
    /// <summary>Only true: every network of the original is weight-normalised (its state names are weight_g, weight_v).</summary>
    [ConfKey("weight_norm")] public bool WeightNorm { get; init; } = true;
    [ConfKey("deform_feature_dim")] public int DeformFeatureDim { get; init; } = 192;
    [ConfKey("multires")] public int Multires { get; init; } = 6;
}

public sealed record ImplicitNetworkOptions
{
    [ConfKey("d_in")] public int DIn { get; init; } = 3;
    [ConfKey("d_out")] public int DOut { get; init; } = 1;
    [ConfKey("dims")] public IReadOnlyList<int> Dims { get; init; } = [256, 256, 256, 256, 256, 256, 256, 256];
    [ConfKey("geometric_init")] public bool GeometricInit { get; init; } = true;
    [ConfKey("bias")] public double Bias { get; init; } = 0.6;
    [ConfKey("skip_in")] public IReadOnlyList<int> SkipIn { get; init; } = [4];
    /// <summary>Only true: every network of the original is weight-normalised (its state names are weight_g, weight_v).</summary>
    [ConfKey("weight_norm")] public bool WeightNorm { get; init; } = true;
    [ConfKey("multires")] public int Multires { get; init; } = 6;
    [ConfKey("sphere_scale")] public double SphereScale { get; init; } = 20.0;
}

public sealed record DisplacementNetworkOptions
{
    [ConfKey("d_in")] public int DIn { get; init; } = 3;
    [ConfKey("d_out")] public int DOut { get; init; } = 1;
    [ConfKey("dims")] public IReadOnlyList<int> Dims { get; init; } = [256, 256, 256, 256];
    /// <summary>Only true: every network of the original is weight-normalised (its state names are weight_g, weight_v).</summary>
    [ConfKey("weight_norm")] public bool WeightNorm { get; init; } = true;
    [ConfKey("multires")] public int Multires { get; init; } = 8;
    [ConfKey("displace_feature_dim")] public int DisplaceFeatureDim { get; init; } = 64;
    [ConfKey("skip_in")] public IReadOnlyList<int> SkipIn { get; init; } = [];
    /// <summary>Extension: start with δ ≡ 0 (the last layer's δ row at weight_g = 0 and bias 0), so stage 2 begins on
    /// stage 1's surface; false = PyTorch's default init, as the original, whose random δ moves the surface at step 0.</summary>
    [ConfKey("zero_init")] public bool ZeroInit { get; init; } = false;
    /// <summary>Extension: how x enters the displacement MLP: "frequency" (γ_8(x), the original) or "hashgrid"
    /// (a multiresolution hash encoding, Müller et al. 2022, see <see cref="HashGrid"/>).</summary>
    [ConfKey("encoding")] public string Encoding { get; init; } = "frequency";
    [ConfKey("hash_grid")] public HashGridOptions HashGrid { get; init; } = new();
}

/// <summary>Extension: the multiresolution hash encoding of Instant-NGP over the cube [−bound, bound]³.</summary>
public sealed record HashGridOptions
{
    [ConfKey("levels")] public int Levels { get; init; } = 16;
    [ConfKey("features_per_level")] public int FeaturesPerLevel { get; init; } = 2;
    [ConfKey("log2_hashmap_size")] public int Log2HashmapSize { get; init; } = 17;
    [ConfKey("base_resolution")] public int BaseResolution { get; init; } = 16;
    [ConfKey("finest_resolution")] public int FinestResolution { get; init; } = 1024;
    [ConfKey("bound")] public double Bound { get; init; } = 0.5;
    /// <summary>Table entries start uniform in ±init_scale (Instant-NGP: 1e-4).</summary>
    [ConfKey("init_scale")] public double InitScale { get; init; } = 1e-4;
    /// <summary>Coarse to fine (as Neuralangelo): only start_levels levels at first, the finer ones fading in linearly
    /// over this many iterations; 0 = all levels from the start.</summary>
    [ConfKey("coarse_to_fine_iters")] public int CoarseToFineIters { get; init; } = 0;
    [ConfKey("start_levels")] public int StartLevels { get; init; } = 4;
}

public sealed record RenderingNetworkOptions
{
    /// <summary>Only "idr": c(γ(x), ∇s, γ(v), features).</summary>
    [ConfKey("mode")] public string Mode { get; init; } = "idr";
    [ConfKey("d_in")] public int DIn { get; init; } = 9;
    [ConfKey("d_out")] public int DOut { get; init; } = 3;
    [ConfKey("dims")] public IReadOnlyList<int> Dims { get; init; } = [256, 256, 256, 256];
    /// <summary>Only true: every network of the original is weight-normalised (its state names are weight_g, weight_v).</summary>
    [ConfKey("weight_norm")] public bool WeightNorm { get; init; } = true;
    [ConfKey("multires_view")] public int MultiresView { get; init; } = 4;
    [ConfKey("multires")] public int Multires { get; init; } = 6;
    [ConfKey("skip_in")] public IReadOnlyList<int> SkipIn { get; init; } = [];
}

public sealed record DensityOptions
{
    [ConfKey("params_init")] public DensityParamsInit ParamsInit { get; init; } = new();
    [ConfKey("beta_min")] public double BetaMin { get; init; } = 1e-4;
}

public sealed record DensityParamsInit
{
    [ConfKey("beta")] public double Beta { get; init; } = 0.1;
}

public sealed record RaySamplerOptions
{
    [ConfKey("near")] public double Near { get; init; } = 0.0;
    [ConfKey("N_samples")] public int NSamples { get; init; } = 64;
    [ConfKey("N_samples_eval")] public int NSamplesEval { get; init; } = 128;
    [ConfKey("N_samples_extra")] public int NSamplesExtra { get; init; } = 32;
    [ConfKey("eps")] public double Eps { get; init; } = 0.1;
    [ConfKey("beta_iters")] public int BetaIters { get; init; } = 10;
    [ConfKey("max_total_iters")] public int MaxTotalIters { get; init; } = 5;
    [ConfKey("add_tiny")] public double AddTiny { get; init; } = 1e-6;
    /// <summary>Extension: the sampler's no-grad SDF queries run this many points at a time (0 = all at once). Same
    /// values; the activations of a chunk stay in cache, so the elementwise work is faster and memory is bounded.</summary>
    [ConfKey("sdf_chunk")] public int SdfChunk { get; init; } = 32768;
    /// <summary>Extension: an occupancy grid that limits each ray to the part of it that can meet the surface.</summary>
    [ConfKey("occupancy_grid")] public OccupancyGridOptions OccupancyGrid { get; init; } = new();
}

/// <summary>
/// Extension: a per-identity grid of cells flagged "may hold surface or interior" (SDF at the cell centre below the
/// centre-to-corner distance plus a margin), rebuilt from the current SDF every update_iters iterations. The
/// sampler then runs on [first, last] occupied cell of each ray instead of [near, far]; rays that meet no occupied
/// cell keep [near, far].
/// </summary>
public sealed record OccupancyGridOptions
{
    /// <summary>Cells per side; 0 = off (the original sampler).</summary>
    [ConfKey("resolution")] public int Resolution { get; init; } = 0;
    /// <summary>The grid covers [−bound, bound]³; space outside is treated as empty.</summary>
    [ConfKey("bound")] public double Bound { get; init; } = 1.0;
    /// <summary>Iterations of each identity between rebuilds of its grid: with k identities trained (one per iteration)
    /// the grids are rebuilt every update_iters × k iterations.</summary>
    [ConfKey("update_iters")] public int UpdateIters { get; init; } = 50;
    /// <summary>Added to the cell's centre-to-corner distance before comparing with the SDF (scene units).</summary>
    [ConfKey("margin")] public double Margin { get; init; } = 0.02;
    /// <summary>And this many times the density's current β: the Laplace density at distance d is e^(−d/β)/2β, so
    /// skipped space must lie ~10β from the surface for its optical depth to be negligible (≲ 1e-3 over the scene).
    /// Early in training (β ≈ 0.1) the grid therefore skips little; it tightens as β falls.</summary>
    [ConfKey("beta_factor")] public double BetaFactor { get; init; } = 10.0;
}
