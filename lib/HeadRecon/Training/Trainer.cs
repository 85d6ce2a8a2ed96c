using System.Diagnostics;
using System.Text.Json;
using HeadRecon.Config;
using HeadRecon.IO;
using HeadRecon.Models;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace HeadRecon.Training;

/// <summary>One progress report: iteration, the logged metrics (every loss term, β, PSNR, lr) and timing.</summary>
public sealed record TrainingProgress(int Iteration, int TotalIterations, IReadOnlyDictionary<string, double> Metrics, double SecondsPerIteration)
{
    /// <summary>Wall seconds left before train.max_seconds stops the run (null without a budget).</summary>
    public double? SecondsLeftInBudget { get; init; }

    public TimeSpan Eta => TimeSpan.FromSeconds(Math.Min(SecondsPerIteration * (TotalIterations - Iteration), SecondsLeftInBudget ?? double.MaxValue));

    public string Describe() =>
        $"it {Iteration}/{TotalIterations}  loss {Metrics.GetValueOrDefault("loss"):F4}  rgb {Metrics.GetValueOrDefault("rgb_loss"):F4}  " +
        $"psnr {Metrics.GetValueOrDefault("psnr"):F2}  beta {Metrics.GetValueOrDefault("beta"):F4}  lr {Metrics.GetValueOrDefault("lr"):E2}  " +
        $"{SecondsPerIteration:F2} s/it  eta {Eta:hh\\:mm\\:ss}";
}

/// <summary>Raised when the loss becomes NaN or infinite; the last good checkpoint is kept.</summary>
public sealed class NonFiniteLossException(string message) : Exception(message);

/// <summary>
/// Trains one stage: Adam over every (unfrozen) parameter with a per-iteration exponential lr decay, one view and
/// num_pixels random pixels per iteration (views shuffled each epoch), the PE window schedule, metrics.jsonl,
/// PNG snapshots and atomic checkpoints. Every random draw of iteration i comes from generators seeded by (seed, i),
/// so a resumed run continues exactly as an uninterrupted one would.
/// </summary>
public sealed class Trainer : IDisposable
{
    public static readonly IReadOnlyDictionary<string, string[]> ParameterGroups = new Dictionary<string, string[]>
    {
        ["template"] = ["deform_temp_geo_network.implicit_net."],
        ["deformation"] = ["deform_temp_geo_network.deform_net."],
        ["displacement"] = ["displacement_network."],
        ["color"] = ["rendering_network.", "res_rendering_network."],
        ["codes"] = ["id_shape_embedding.", "id_color_embedding."],
        ["density"] = ["density."],
    };

    readonly ITrainingData _data;
    readonly Adam _optimizer;
    readonly double _lr0;
    readonly Stopwatch _clock = new();
    StreamWriter? _metrics;

    public HeadConf Conf { get; }
    public HeadModel Model { get; }
    public HeadLoss Loss { get; }
    public RunFolder Run { get; }
    public Device Device { get; }
    public int Iteration { get; private set; }
    public int TotalIterations { get; }
    public LoadReport? InitReport { get; }

    /// <summary>Optional hook called after each snapshot iteration (e.g. to write PNGs).</summary>
    public Action<Trainer>? OnSnapshot { get; set; }

    Trainer(HeadConf conf, ITrainingData data, RunFolder run, Device device, string? resumeFrom)
    {
        Conf = conf;
        _data = data;
        Run = run;
        Device = device;
        if (data.NumIdentities > conf.Model.NumIdentity)
            throw new ArgumentException($"model.num_identity = {conf.Model.NumIdentity} but the dataset has {data.NumIdentities} identities; raise model.num_identity (keep it equal in both stages)");
        TotalIterations = conf.Train.MaxIterations > 0 ? conf.Train.MaxIterations : checked(conf.Train.NEpochs * data.ViewCount);

        manual_seed(conf.Train.Seed);
        Model = ModelFactory.Create(conf.Model);
        Model.ToDevice(device);
        Loss = new HeadLoss(conf.Loss, conf.Model.UseTvLoss);

        if (resumeFrom is null && !string.IsNullOrWhiteSpace(conf.Train.InitCheckpoint))
        {
            // Stage 2 from stage 1 (or an unseen person from the template): load what matches by name, like the
            // original's load_state_dict(strict=False); the rest keeps its fresh initialisation.
            string ckpt = Checkpoint.Resolve(conf.Train.InitCheckpoint);
            InitReport = ParameterLoader.Load(Model, Checkpoint.ReadParameters(ckpt), Checkpoint.ModelPrefix, strict: false, source: ckpt);
        }
        else if (resumeFrom is not null)
        {
            ParameterLoader.Load(Model, Checkpoint.ReadParameters(resumeFrom), Checkpoint.ModelPrefix, strict: true, source: resumeFrom);
        }

        var frozen = conf.Train.Freeze.Select(g => ParameterGroups.TryGetValue(g, out var p) ? p
            : throw new ArgumentException($"train.freeze: unknown group '{g}' (known: {string.Join(", ", ParameterGroups.Keys)})")).SelectMany(p => p).ToArray();
        var trainable = new List<Parameter>();
        foreach (var (name, p) in Model.named_parameters())
        {
            bool freeze = frozen.Any(prefix => name.StartsWith(prefix, StringComparison.Ordinal));
            p.requires_grad = !freeze;
            if (!freeze) trainable.Add(p);
        }
        _lr0 = conf.Train.LearningRate;
        _optimizer = optim.Adam(trainable, _lr0);
        if (resumeFrom is not null)
        {
            Checkpoint.LoadOptimizer(resumeFrom, _optimizer);
            Iteration = Checkpoint.ReadMeta(resumeFrom).Iteration;
        }
        ApplySchedules();
    }

    /// <summary>Starts a new run in <paramref name="runDir"/> (which must not hold a run yet).</summary>
    public static Trainer Start(HeadConf conf, ITrainingData data, string runDir, Device device)
    {
        var run = RunFolder.Create(runDir, conf);
        return new Trainer(conf, data, run, device, null);
    }

    /// <summary>Continues the run in <paramref name="runDir"/> from its latest checkpoint with its saved configuration.</summary>
    public static Trainer Resume(string runDir, ITrainingData data, Device device)
    {
        var run = RunFolder.Open(runDir);
        var conf = run.LoadConf();
        string? ckpt = File.Exists(run.LatestCheckpoint) ? run.LatestCheckpoint : null;
        return new Trainer(conf, data, run, device, ckpt);
    }

    public double LearningRate => _lr0 * Math.Pow(Conf.Train.SchedDecayRate, (double)Iteration / Math.Max(1, TotalIterations));

    public double PeAlpha => Conf.Train.PeAlphaIters <= 0
        ? 1.0
        : Conf.Train.PeAlphaStart + (1.0 - Conf.Train.PeAlphaStart) * Math.Min(1.0, (double)Iteration / Conf.Train.PeAlphaIters);

    void ApplySchedules()
    {
        foreach (var g in _optimizer.ParamGroups) g.LearningRate = LearningRate;
        Model.SetEncodingAlpha(PeAlpha);
        Model.ApplyIterationSchedules(Iteration);
    }

    int ViewForIteration(int iteration)
    {
        // Views in a fresh random order every epoch (DataLoader shuffle=True), reproducible from (seed, epoch).
        int views = _data.ViewCount;
        int epoch = iteration / views;
        var order = Enumerable.Range(0, views).ToArray();
        new Random(HashCode.Combine(Conf.Train.Seed, epoch, 0x5eed)).Shuffle(order);
        return order[iteration % views];
    }

    /// <summary>One optimisation step; returns the logged metrics.</summary>
    public Dictionary<string, double> Step()
    {
        using var scope = NewDisposeScope();
        ApplySchedules();
        Model.train();
        int view = ViewForIteration(Iteration);
        // The original's worker quirk: one pixel subset per epoch; ours redraws every iteration unless asked not to.
        int pixelSeed = Conf.Train.RedrawPixelsEveryIteration ? Iteration : Iteration / _data.ViewCount;
        var rng = new Random(HashCode.Combine(Conf.Train.Seed, pixelSeed, 0x9e37));
        var (batch, rgbGt) = _data.SamplePixels(view, Conf.Train.NumPixels, rng, Device);
        // A CPU generator whatever the device (TorchSharp's are; see RandomDraws): the same draws on every device.
        var generator = new Generator((ulong)HashCode.Combine(Conf.Train.Seed, Iteration, 0x7f4a) & 0x7fffffff);

        Model.OccupancyStep = Iteration;
        Model.OccupancyIdentities = _data.NumIdentities;
        var output = Model.Render(batch, generator);
        var terms = Loss.Compute(output, rgbGt);
        double lossValue = terms.Loss.item<float>();
        if (!double.IsFinite(lossValue))
            throw new NonFiniteLossException($"iteration {Iteration}: the loss is {lossValue} (rgb {terms.RgbLoss.item<float>()}, eikonal {terms.EikonalLoss.item<float>()}); stopped, the last good checkpoint is {Run.LatestCheckpoint}");
        _optimizer.zero_grad();
        terms.Loss.backward();
        _optimizer.step();

        // Every logged value in one copy to the host (on a GPU each item() waits for the device).
        var named = terms.Named().ToList();
        var mseT = (output.RgbValues.detach() - rgbGt.reshape(-1, 3)).pow(2).mean();
        float[] host = cat([.. named.Select(t => t.Value.detach().reshape(1)), mseT.reshape(1), Model.density.GetBeta().detach().reshape(1)]).to(float32).cpu().data<float>().ToArray();
        var metrics = new Dictionary<string, double>();
        for (int i = 0; i < named.Count; i++) metrics[named[i].Name] = host[i];
        double mse = host[named.Count];
        metrics["psnr"] = -10.0 * Math.Log10(Math.Max(mse, 1e-12));
        metrics["beta"] = host[named.Count + 1];
        metrics["lr"] = LearningRate;
        metrics["pe_alpha"] = PeAlpha;
        metrics["view"] = view;
        metrics["sampler_iters"] = output.SamplerIterations;
        if (Model.OccupancyGridEnabled && Model.CurrentOccupancyGrid(batch.IdentityIndex ?? batch.Identity.reshape(-1)[0].item<long>()) is { } grid)
        {
            metrics["occupied"] = grid.OccupiedFraction;
            if (grid.BuiltAt == Iteration) metrics["occupancy_build_s"] = grid.BuildSeconds;
        }
        Iteration++;
        return metrics;
    }

    int CheckpointEvery => Conf.Train.CheckpointIters > 0 ? Conf.Train.CheckpointIters : Math.Max(1, Conf.Train.CheckpointFreq * _data.ViewCount);
    int PlotEvery => Conf.Train.PlotIters > 0 ? Conf.Train.PlotIters : Math.Max(1, Conf.Train.PlotFreq * _data.ViewCount);

    /// <summary>Trains until the total (or <paramref name="stopAfter"/> more iterations), checkpointing as configured and at the end.</summary>
    public void Train(IProgress<TrainingProgress>? progress = null, int? stopAfter = null, CancellationToken cancel = default)
    {
        _metrics ??= new StreamWriter(new FileStream(Run.MetricsFile, FileMode.Append, FileAccess.Write, FileShare.Read)) { AutoFlush = true };
        int end = stopAfter is int k ? Math.Min(TotalIterations, Iteration + k) : TotalIterations;
        int logEvery = Math.Max(1, Conf.Train.LogFreq);
        var window = new Queue<double>();
        var wall = Stopwatch.StartNew();
        double budget = Conf.Train.MaxSeconds;
        while (Iteration < end && !cancel.IsCancellationRequested)
        {
            if (budget > 0 && wall.Elapsed.TotalSeconds >= budget) break;
            _clock.Restart();
            var m = Step();
            double seconds = _clock.Elapsed.TotalSeconds;
            window.Enqueue(seconds);
            if (window.Count > 20) window.Dequeue();
            m["seconds"] = seconds;
            if (Iteration % logEvery == 0 || Iteration == end)
            {
                var record = new Dictionary<string, object> { ["iteration"] = Iteration };
                foreach (var (key, v) in m) record[key] = v;
                _metrics.WriteLine(JsonSerializer.Serialize(record));
                progress?.Report(new TrainingProgress(Iteration, TotalIterations, m, window.Average())
                {
                    SecondsLeftInBudget = budget > 0 ? Math.Max(0, budget - wall.Elapsed.TotalSeconds) : null,
                });
            }
            if (Iteration % CheckpointEvery == 0) SaveCheckpoint();
            if (Iteration % PlotEvery == 0) OnSnapshot?.Invoke(this);
        }
        SaveCheckpoint();
    }

    public void SaveCheckpoint() =>
        Checkpoint.Save(Run.LatestCheckpoint, Model, _optimizer,
            new CheckpointMeta(Iteration, TotalIterations, Model is Stage1Model ? "stage1" : "stage2", LearningRate, Conf.Train.Seed, PeAlpha, DateTime.UtcNow.ToString("O")));

    public void Dispose()
    {
        _metrics?.Dispose();
        _optimizer.Dispose();
        Model.Dispose();
    }
}
