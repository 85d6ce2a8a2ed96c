using System.Globalization;
using HeadRecon.Config;
using HeadRecon.Data.Synthetic;
using HeadRecon.IO;
using HeadRecon.Models;
using HeadRecon.Runtime;
using HeadRecon.Training;
using static TorchSharp.torch;

namespace HeadRecon.Notebooks;

/// <summary>
/// Sizes for one notebook profile. smoke: seconds (tests and CI); cpu: minutes on a laptop (the quickstart scale);
/// paper: the paper's configurations (CUDA). Overrides are `--set`-style HOCON assignments applied on top of the confs.
/// </summary>
public sealed record NotebookProfile(
    string Name,
    string Stage1ConfFile,
    string Stage2ConfFile,
    int Identities,
    int Views,
    int Resolution,
    int GtResolution,
    IReadOnlyList<string> Stage1Overrides,
    IReadOnlyList<string> Stage2Overrides,
    int MeshResolution,
    int SliceResolution,
    int EvalSamples,
    int RenderMaxSide,
    int CurveUpdateEvery)
{
    /// <summary>
    /// The shipped pre-trained template this profile starts from (a folder under the repository), or null: then stage 1
    /// is trained in the workspace. With a template the data is its synthetic family, the stage-1 run is the template
    /// itself, and stage 2 and unseen people start from it, as in the paper.
    /// </summary>
    public string? Template { get; init; }

    /// <summary>Overrides of every iteration-bounded stage of notebook 06's rows (their length; the from-scratch row runs for a time budget instead).</summary>
    public IReadOnlyList<string> AblationOverrides { get; init; } = [];

    /// <summary>The seeds (train.seed) each of notebook 06's rows is trained with, for every held-out person.</summary>
    public IReadOnlyList<int> AblationSeeds { get; init; } = [1];

    /// <summary>Geometry network sizes shared by both stages (stage 2 loads them from stage 1 by name).</summary>
    static readonly string[] SmokeGeometry =
    [
        "model.dim_identity_shape=8", "model.dim_identity_color=8", "model.template_feature_dim=8",
        "model.deformTempGeo_network.deform_network.dims=[32,32]", "model.deformTempGeo_network.deform_network.deform_feature_dim=8",
        "model.deformTempGeo_network.deform_network.multires=4",
        "model.deformTempGeo_network.implicit_network.dims=[48,48,48,48]", "model.deformTempGeo_network.implicit_network.skip_in=[2]",
        "model.deformTempGeo_network.implicit_network.multires=4",
        "model.ray_sampler.N_samples=16", "model.ray_sampler.N_samples_eval=32", "model.ray_sampler.N_samples_extra=8",
        "model.ray_sampler.max_total_iters=3",
        "dataset.img_res=[32,32]", "train.num_pixels=96", "train.log_freq=1", "train.checkpoint_iters=1000000", "train.plot_iters=1000000",
        "train.split_n_pixels=4096", "model.num_identity=4",
    ];

    public static readonly NotebookProfile Smoke = new("smoke", "quickstart_st1.conf", "quickstart_st2.conf",
        Identities: 3, Views: 18, Resolution: 32, GtResolution: 48,
        Stage1Overrides: [.. SmokeGeometry, "model.rendering_network.dims=[32]", "train.max_iterations=40", "train.learning_rate=5.0e-4"],
        Stage2Overrides: [.. SmokeGeometry, "model.rendering_network.dims=[32]", "model.displacement_network.dims=[32,32]",
            "model.displacement_network.displace_feature_dim=8", "model.displacement_network.multires=4", "train.max_iterations=20"],
        MeshResolution: 40, SliceResolution: 48, EvalSamples: 4000, RenderMaxSide: 32, CurveUpdateEvery: 10);

    /// <summary>
    /// Minutes on a laptop, on the shipped template (<see cref="PretrainedTemplate.DefaultPath"/>): its family at 128²,
    /// stage 2 (confs/unseen_st2.conf, 300 iterations) on a pre-training identity's 8 views, unseen people fine-tuned with
    /// confs/unseen_st1.conf from 3 views, as the quickstart does.
    /// </summary>
    public static readonly NotebookProfile Cpu = new("cpu", "template_st1.conf", "unseen_st2.conf",
        Identities: 16, Views: 30, Resolution: 128, GtResolution: 128,
        Stage1Overrides: [],
        Stage2Overrides: ["dataset.fine_tune_flag=false", "dataset.init_view_path=\"\"", "dataset.sparse_view_num=8"],
        MeshResolution: 96, SliceResolution: 96, EvalSamples: 50_000, RenderMaxSide: 128, CurveUpdateEvery: 25)
    {
        Template = PretrainedTemplate.DefaultPath,
        // Two thirds of the quickstart's 300 + 300 iterations: 8 trainings per person and seed, 48 in all (about 110 min on 2 cores, measured).
        AblationOverrides = ["train.max_iterations=200"],
        AblationSeeds = [1, 2],
    };

    /// <summary>
    /// Minutes on a laptop with small networks trained in the workspace (the quickstart_st1/st2 confs at 64², no template):
    /// for experiments on stage 1 itself without the two hours of a template's pre-training.
    /// </summary>
    public static readonly NotebookProfile CpuQuick = new("cpu-quick", "quickstart_st1.conf", "quickstart_st2.conf",
        Identities: 3, Views: 18, Resolution: 64, GtResolution: 128,
        Stage1Overrides: ["dataset.img_res=[64,64]", "model.num_identity=4", "train.log_freq=10"],
        Stage2Overrides: ["dataset.img_res=[64,64]", "model.num_identity=4", "train.log_freq=10"],
        MeshResolution: 96, SliceResolution: 128, EvalSamples: 50_000, RenderMaxSide: 64, CurveUpdateEvery: 25);

    public static readonly NotebookProfile Paper = new("paper", "face_st1.conf", "face_st2.conf",
        Identities: 6, Views: 30, Resolution: 512, GtResolution: 256,
        Stage1Overrides: ["model.num_identity=7"], Stage2Overrides: ["model.num_identity=7"],
        MeshResolution: 256, SliceResolution: 256, EvalSamples: 200_000, RenderMaxSide: 256, CurveUpdateEvery: 100);

    /// <summary>The profile named by HEADNB_PROFILE (smoke when unset).</summary>
    public static NotebookProfile FromEnvironment(string? name = null)
    {
        name ??= Environment.GetEnvironmentVariable("HEADNB_PROFILE");
        return (string.IsNullOrWhiteSpace(name) ? "smoke" : name.Trim().ToLowerInvariant()) switch
        {
            "smoke" => Smoke,
            "cpu" => Cpu,
            "cpu-quick" => CpuQuick,
            "paper" => Paper,
            var other => throw new ArgumentException($"HEADNB_PROFILE: unknown profile '{other}' (expected smoke, cpu, cpu-quick or paper)"),
        };
    }
}

/// <summary>
/// The notebooks' shared state: the profile, the data (synthetic heads generated once, or HEADNB_DATA for real PR
/// data), and cached training runs under HEADNB_CACHE (default notebooks/.cache/&lt;profile&gt;). A run is reused
/// when its saved configuration equals the requested one and it trained to the end, so notebooks 03–07 reuse the
/// stage-1 run of 02 and re-running a notebook does not retrain.
/// </summary>
public sealed class NotebookWorkspace
{
    public NotebookProfile Profile { get; }
    public string RepoRoot { get; }
    public string CacheDir { get; }
    public Device Device { get; }

    NotebookWorkspace(NotebookProfile profile, string repoRoot, string cacheDir, Device device)
    {
        Profile = profile; RepoRoot = repoRoot; CacheDir = cacheDir; Device = device;
    }

    /// <summary>Opens the workspace for the HEADNB_PROFILE profile (or <paramref name="profile"/>), finding the repository from the working directory.</summary>
    public static NotebookWorkspace Open(string? profile = null, string? device = null) => Open(NotebookProfile.FromEnvironment(profile), device);

    /// <summary>Opens a workspace for a profile given as such (e.g. a smaller variant made with <c>with</c>); runs are cached
    /// under <paramref name="cacheRoot"/>/&lt;profile&gt; (default: HEADNB_CACHE, else notebooks/.cache).</summary>
    public static NotebookWorkspace Open(NotebookProfile p, string? device, string? cacheRoot = null)
    {
        TorchRuntime.Initialize();
        string root = FindRepoRoot(Directory.GetCurrentDirectory());
        cacheRoot ??= Environment.GetEnvironmentVariable("HEADNB_CACHE") is { Length: > 0 } c ? c : null;
        string cache = cacheRoot is not null ? Path.Combine(Path.GetFullPath(cacheRoot), p.Name) : Path.Combine(root, "notebooks", ".cache", p.Name);
        Directory.CreateDirectory(cache);
        return new NotebookWorkspace(p, root, cache, TorchRuntime.ResolveDevice(device ?? Environment.GetEnvironmentVariable("HEADNB_DEVICE") ?? "auto"));
    }

    static string FindRepoRoot(string start)
    {
        for (var d = new DirectoryInfo(start); d is not null; d = d.Parent)
            if (File.Exists(Path.Combine(d.FullName, "HeadNotebooks.sln")) && Directory.Exists(Path.Combine(d.FullName, "confs"))) return d.FullName;
        throw new DirectoryNotFoundException($"{start}: not inside the HeadNotebooks repository (no HeadNotebooks.sln above it); start the notebook from notebooks/");
    }

    public override string ToString() => $"profile {Profile.Name}, data {DataDir}, cache {CacheDir}, device {Device.type}" +
        (Template is { } t ? $", template {t.Root}" : "");

    PretrainedTemplate? _template;

    /// <summary>The profile's pre-trained template, checked when first opened (checksum, family); null for a profile without one.</summary>
    public PretrainedTemplate? Template => Profile.Template is null ? null : _template ??= PretrainedTemplate.Open(Path.Combine(RepoRoot, Profile.Template));

    // ---------------------------------------------------------------- data

    /// <summary>HEADNB_DATA (a PR-layout folder) when set, else the synthetic heads of this profile (generated on first use).</summary>
    public string DataDir => Environment.GetEnvironmentVariable("HEADNB_DATA") is { Length: > 0 } d ? Path.GetFullPath(d) : EnsureSyntheticData();

    public static bool IsSynthetic => Environment.GetEnvironmentVariable("HEADNB_DATA") is not { Length: > 0 };

    string EnsureSyntheticData()
    {
        string dir = Path.Combine(CacheDir, "heads");
        string done = Path.Combine(dir, ".complete");
        var p = Profile;
        // What the heads were made with: a profile whose sizes or template changed makes them again.
        string key = string.Create(CultureInfo.InvariantCulture,
            $"identities {p.Identities}, views {p.Views}, resolution {p.Resolution}, gt {p.GtResolution}, template {Template?.CheckpointSha256 ?? "none"}");
        if (File.Exists(done) && File.ReadAllText(done) == key) return dir;
        if (Directory.Exists(dir)) Directory.Delete(dir, recursive: true);
        if (Template is { } t)
        {
            // The template's own family (the images it was pre-trained on, and its held-out people): id.txt lists the
            // pre-training identities, heldout.txt the unseen ones.
            SyntheticHeadWriter.Write(new SynthOptions(dir, t.Identities.Count, p.Views, p.Resolution, Seed: 0, GtResolution: p.GtResolution)
            {
                Family = t.Family,
                HeldOut = t.HeldOut.Count,
            });
            File.Copy(Path.Combine(dir, "id.txt"), Path.Combine(dir, "train_ids.txt"), overwrite: true);
        }
        else
        {
            // One more identity than stage 1 trains on: the last one is the unseen person of notebook 07.
            SyntheticHeadWriter.Write(new SynthOptions(dir, p.Identities + 1, p.Views, p.Resolution, Seed: 0, GtResolution: p.GtResolution));
            var ids = File.ReadAllLines(Path.Combine(dir, "id.txt")).Where(l => l.Length > 0).ToList();
            File.WriteAllText(Path.Combine(dir, "train_ids.txt"), string.Join("\n", ids.Take(p.Identities)) + "\n");
        }
        File.WriteAllText(done, key);
        return dir;
    }

    /// <summary>Identities stage 1 trains on (train_ids.txt of the synthetic data, id.txt of real data).</summary>
    public IReadOnlyList<string> TrainIdentities => File.ReadAllLines(Path.Combine(DataDir, IdList)).Select(l => l.Trim()).Where(l => l.Length > 0).ToList();

    /// <summary>The identity left out of stage 1 (synthetic data only), for notebook 07.</summary>
    public string UnseenIdentity => HeldOutIdentities[0];

    /// <summary>Every identity left out of stage 1 (synthetic data only): the template's held-out people, or the one extra identity.</summary>
    public IReadOnlyList<string> HeldOutIdentities => !IsSynthetic ? throw new InvalidOperationException("HEADNB_DATA is set: name the unseen identity yourself")
        : File.Exists(Path.Combine(DataDir, "heldout.txt")) ? ReadIds(Path.Combine(DataDir, "heldout.txt"))
        : [ReadIds(Path.Combine(DataDir, "id.txt"))[^1]];

    static List<string> ReadIds(string path) => [.. File.ReadAllLines(path).Select(l => l.Trim()).Where(l => l.Length > 0)];

    static string IdList => IsSynthetic ? "train_ids.txt" : "id.txt";

    /// <summary>Ground-truth mesh of an identity in dataset units (DIR/gt/&lt;id&gt;.ply), or null when the data has none.</summary>
    public Meshing.Mesh? GroundTruth(string identity)
    {
        string path = Path.Combine(DataDir, "gt", identity + ".ply");
        return File.Exists(path) ? Ply.Read(path) : null;
    }

    // ---------------------------------------------------------------- configurations

    string Conf(string file) => Path.Combine(RepoRoot, "confs", file);

    IEnumerable<string> DataOverrides() =>
        [$"dataset.data_dir=\"{DataDir}\"", $"dataset.id_list=\"{IdList}\""];

    /// <summary>The stage-1 configuration of this profile, with extra overrides (e.g. "dataset.sparse_view_num=3").</summary>
    /// <remarks>With a template, the template's own resolved configuration: what its pre-training ran.</remarks>
    public HeadConf Stage1Conf(params string[] extra) =>
        ConfLoader.Load(Template is { } t ? Path.Combine(t.Root, "conf.conf") : Conf(Profile.Stage1ConfFile), [.. DataOverrides(), .. Profile.Stage1Overrides, .. extra]);

    /// <summary>
    /// The stage-1 run of this profile: the shipped template (read-only, nothing is trained) or a run trained here with
    /// <see cref="Stage1Conf"/> (cached, progress reported while it trains).
    /// </summary>
    public string Stage1Run(IProgress<TrainingProgress>? progress = null) => Template is { } t ? TemplateRun(t) : EnsureRun("stage1", Stage1Conf(), progress);

    // The template as a run folder of this workspace: its checkpoint and log with its conf pointed at the workspace's copy
    // of the family (the shipped conf names the folder it was trained from, relative to the repository). Rebuilt when the
    // template's checksum or the conf changes.
    string TemplateRun(PretrainedTemplate t)
    {
        var conf = Stage1Conf();
        string dir = RunDir("stage1"), sum = Path.Combine(dir, PretrainedTemplate.ChecksumFile);
        if (IsCached("stage1", conf) && File.Exists(sum) && File.ReadAllText(sum) == t.CheckpointSha256) return dir;
        RunFolder.Delete(dir);
        using (var run = RunFolder.Create(dir, conf))
        {
            AtomicFile.WriteAllBytes(run.LatestCheckpoint, File.ReadAllBytes(t.Checkpoint));
            AtomicFile.WriteAllBytes(run.MetricsFile, File.ReadAllBytes(Path.Combine(t.Root, "metrics.jsonl")));
        }
        AtomicFile.WriteAllText(sum, t.CheckpointSha256);
        return dir;
    }

    /// <summary>
    /// Stage 1 for a person outside the stage-1 id list (fine_tune_flag: appended; the data's 3-view split unless
    /// <paramref name="extra"/> holds <see cref="UnseenViews"/>): fine-tuned from
    /// <paramref name="initFrom"/> (a run or the template), or from scratch when null. With a template these are the
    /// quickstart's confs (unseen_st1: template frozen, 300 iterations; unseen_scratch: the same networks, fresh).
    /// </summary>
    public HeadConf UnseenConf(string identity, string? initFrom, params string[] extra)
    {
        string[] person = Person(identity);
        string[] init = initFrom is null ? [] : [$"train.init_checkpoint=\"{initFrom}\""];
        if (Template is null) return Stage1Conf([.. person, .. init, .. extra]);
        var conf = ConfLoader.Load(Conf(initFrom is null ? "unseen_scratch.conf" : "unseen_st1.conf"), [.. DataOverrides(), .. person, .. init, .. extra]);
        Template.RequireCompatible(conf, initFrom is null ? "unseen_scratch.conf" : "unseen_st1.conf");
        return conf;
    }

    /// <summary>
    /// Stage 2 for a person fitted with <see cref="UnseenConf"/>: the displacement on top of that fine-tuned stage 1
    /// (<paramref name="stage1Run"/>), from the same views. With a template, confs/unseen_st2.conf as the quickstart runs it.
    /// </summary>
    public HeadConf UnseenStage2Conf(string identity, string stage1Run, params string[] extra)
    {
        if (Template is null) return Stage2Conf(identity, stage1Run, [.. Person(identity), .. extra]);
        var conf = ConfLoader.Load(Conf("unseen_st2.conf"), [.. DataOverrides(), .. Person(identity), $"train.init_checkpoint=\"{stage1Run}\"", .. extra]);
        Template.RequireCompatible(conf, "unseen_st2.conf");
        return conf;
    }

    // An unseen person from the data's 3-view split (UnseenViews overrides it).
    static string[] Person(string identity) => ["dataset.fine_tune_flag=true", $"dataset.scan_id=\"{identity}\"", .. UnseenViews(3)];

    /// <summary>"dataset.fine_tune_view=N" + the matching view list: an unseen person seen from the data's N-view split (3, 5 or 15).</summary>
    public static string[] UnseenViews(int n) => [$"dataset.fine_tune_view={n}", $"dataset.init_view_path=\"{n}_view.json\""];

    /// <summary>The stage-2 configuration for one identity, initialised from <paramref name="initFrom"/> (a run folder or checkpoint) when given.</summary>
    public HeadConf Stage2Conf(string scanId, string? initFrom, params string[] extra) =>
        ConfLoader.Load(Conf(Profile.Stage2ConfFile), [.. DataOverrides(), .. Profile.Stage2Overrides, $"dataset.scan_id=\"{scanId}\"",
            .. initFrom is null ? Array.Empty<string>() : [$"train.init_checkpoint=\"{initFrom}\""], .. extra]);


    // ---------------------------------------------------------------- runs

    public string RunDir(string name) => Path.Combine(CacheDir, "runs", name);

    /// <summary>True when <paramref name="name"/> holds a finished run of exactly this configuration.</summary>
    public bool IsCached(string name, HeadConf conf)
    {
        string dir = RunDir(name);
        var run = Path.Combine(dir, "checkpoints", "latest.ckpt");
        if (!File.Exists(run) || !File.Exists(Path.Combine(dir, "conf.conf"))) return false;
        if (ConfLoader.Differences(RunFolder.Open(dir).LoadConf(), conf).Count > 0) return false;
        var meta = Checkpoint.ReadMeta(run);
        return meta.Iteration >= meta.TotalIterations;
    }

    /// <summary>
    /// Trains run <paramref name="name"/> with <paramref name="conf"/> unless a finished run of the same configuration
    /// is cached; returns the run folder. Progress is reported for every logged iteration of a new run.
    /// </summary>
    public string EnsureRun(string name, HeadConf conf, IProgress<TrainingProgress>? progress = null)
    {
        string dir = RunDir(name);
        if (IsCached(name, conf)) return dir;
        RunFolder.Delete(dir);
        Directory.CreateDirectory(Path.GetDirectoryName(dir)!);
        var data = DatasetTrainingData.Open(conf);
        using var trainer = Trainer.Start(conf, data, dir, Device);
        trainer.Train(progress);
        return dir;
    }

    /// <summary>
    /// Trains run <paramref name="name"/> for <paramref name="seconds"/> of training time (train.max_seconds; a from-scratch
    /// comparison at equal cost), unless a run of this configuration already spent that budget.
    /// </summary>
    public string EnsureBudgetRun(string name, HeadConf conf, double seconds, IProgress<TrainingProgress>? progress = null)
    {
        string dir = RunDir(name);
        Directory.CreateDirectory(Path.GetDirectoryName(dir)!);
        StageRun.ForBudget(conf with { Train = conf.Train with { MaxSeconds = Math.Max(1, Math.Ceiling(seconds)) } }, dir, Device, progress);
        return dir;
    }

    /// <summary>The training seconds a run's latest checkpoint records (summed over resumes).</summary>
    public static double TrainSeconds(string runDir) => Checkpoint.ReadMeta(RunFolder.Open(runDir).LatestCheckpoint).TrainSeconds;

    /// <summary>A run folder loaded as the CLI loads it (<see cref="TrainedRun.Load"/>), on the workspace device.</summary>
    public TrainedRun LoadRun(string runDir) => TrainedRun.Load(runDir, Device);

    /// <summary>The trained model of a run folder (latest checkpoint, schedules as they stood there), in eval mode on the workspace device.</summary>
    public HeadModel LoadModel(string runDir) => LoadRun(runDir).Model;

    /// <summary>The configuration a run was trained with.</summary>
    public static HeadConf RunConf(string runDir) => RunFolder.Open(runDir).LoadConf();

    /// <summary>Every logged metrics record of a run (metrics.jsonl).</summary>
    public static IReadOnlyList<IReadOnlyDictionary<string, double>> Metrics(string runDir) => MetricsLog.Rows(RunFolder.Open(runDir).MetricsFile);

    public static string Format(double v) => v.ToString("G4", CultureInfo.InvariantCulture);
}
