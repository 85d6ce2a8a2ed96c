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

/// <summary>Raised when the loss becomes NaN or infinite; the checkpoints already written are kept.</summary>
public sealed class NonFiniteLossException(string message) : Exception(message);

/// <summary>
/// Trains one stage: Adam over every (unfrozen) parameter with a per-iteration exponential lr decay, one view and
/// num_pixels random pixels per iteration (views shuffled each epoch), the PE window schedule, metrics.jsonl,
/// PNG snapshots and atomic checkpoints. Every random draw of iteration i comes from generators seeded by
/// <see cref="StableSeed.Mix"/> of (seed, epoch or iteration), the same in every process, so a resumed run continues
/// exactly as an uninterrupted one would. The trainer holds its run folder's writer lock until it is disposed.
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

    /// <summary>The iteration of the newest checkpoint on disk for this run (written or resumed from); null before the first.</summary>
    public int? LastCheckpointIteration { get; private set; }

    /// <summary>What <see cref="Resume"/> had to decide, one line each: a fallback to the previous checkpoint, a restart
    /// without any checkpoint, metrics lines dropped, temp files or a lock left by a killed writer.</summary>
    public IReadOnlyList<string> ResumeNotes { get; private init; } = [];

    /// <summary>Optional hook called after each snapshot iteration (e.g. to write PNGs).</summary>
    public Action<Trainer>? OnSnapshot { get; set; }

    Trainer(HeadConf conf, ITrainingData data, RunFolder run, Device device, CheckpointFile? resumeFrom)
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
            ParameterLoader.Load(Model, resumeFrom.Parameters(), Checkpoint.ModelPrefix, strict: true, source: resumeFrom.Path);
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
            resumeFrom.LoadOptimizer(_optimizer);
            Iteration = resumeFrom.Meta.Iteration;
            LastCheckpointIteration = Iteration;
            RestoreOccupancyGrids(resumeFrom);
        }
        ApplySchedules();
    }

    /// <summary>Starts a new run in <paramref name="runDir"/> (which must not hold a run yet).</summary>
    public static Trainer Start(HeadConf conf, ITrainingData data, string runDir, Device device)
    {
        var run = RunFolder.Create(runDir, conf);
        try { return new Trainer(conf, data, run, device, null); }
        catch { run.Dispose(); throw; }
    }

    /// <summary>
    /// Continues the run in <paramref name="runDir"/> with its saved configuration from its latest checkpoint, or from
    /// the previous one when the latest is missing or fails verification, or from iteration 0 when it has none
    /// (<see cref="ResumeNotes"/> says which); metrics.jsonl is cut back to that iteration.
    /// </summary>
    public static Trainer Resume(string runDir, ITrainingData data, Device device)
    {
        var run = RunFolder.Open(runDir);
        try
        {
            var notes = new List<string>();
            var writerLock = run.AcquireWriterLock();
            if (writerLock.PreviousHolder is { } holder) notes.Add($"the previous writer ({holder}) did not exit cleanly");
            var conf = run.LoadConf();
            var ckpt = ChooseCheckpoint(run, notes);
            var trainer = new Trainer(conf, data, run, device, ckpt) { ResumeNotes = notes };
            int dropped = run.TruncateMetrics(trainer.Iteration);
            if (dropped > 0) notes.Add($"{run.MetricsFile}: {dropped} line(s) after iteration {trainer.Iteration} dropped; those iterations are trained and logged again");
            return trainer;
        }
        catch
        {
            run.Dispose();
            throw;
        }
    }

    /// <summary>The newest checkpoint that verifies: latest, else previous (saying why), else none (saying so).</summary>
    static CheckpointFile? ChooseCheckpoint(RunFolder run, List<string> notes)
    {
        Exception? latestProblem = null;
        if (File.Exists(run.LatestCheckpoint))
        {
            try { return Checkpoint.Read(run.LatestCheckpoint); }
            catch (Exception e) when (e is InvalidDataException or IOException) { latestProblem = e; }
        }
        if (File.Exists(run.PreviousCheckpoint))
        {
            CheckpointFile previous;
            try { previous = Checkpoint.Read(run.PreviousCheckpoint); }
            catch (Exception e) when (latestProblem is not null && e is InvalidDataException or IOException)
            {
                throw new InvalidDataException($"{latestProblem.Message}; the previous checkpoint is damaged too ({e.Message})", latestProblem);
            }
            string aside = "";
            if (latestProblem is not null)
            {
                // Out of the way, so the next save does not keep the damaged file as the previous checkpoint.
                File.Move(run.LatestCheckpoint, run.LatestCheckpoint + ".damaged", overwrite: true);
                aside = $"; the damaged file is kept as {Path.GetFileName(run.LatestCheckpoint)}.damaged";
            }
            notes.Add((latestProblem?.Message ?? $"{run.LatestCheckpoint}: missing (the run was stopped while replacing it)") +
                      $"; resuming from the previous checkpoint {run.PreviousCheckpoint} (iteration {previous.Meta.Iteration}) instead{aside}");
            return previous;
        }
        if (latestProblem is not null) throw latestProblem;
        notes.Add($"{run.Root}: no checkpoint yet; starting the run from iteration 0 with its saved conf.conf");
        return null;
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
        if (_viewOrder.Epoch != epoch) _viewOrder = (epoch, new StableRandom(StableSeed.Mix(Conf.Train.Seed, StableSeed.ViewOrder, epoch)).Permutation(views));
        return _viewOrder.Order[iteration % views];
    }

    (int Epoch, int[] Order) _viewOrder = (-1, []);

    /// <summary>One optimisation step; returns the logged metrics.</summary>
    public Dictionary<string, double> Step()
    {
        using var scope = NewDisposeScope();
        ApplySchedules();
        Model.train();
        int view = ViewForIteration(Iteration);
        // The original's worker quirk: one pixel subset per epoch; ours redraws every iteration unless asked not to.
        int pixelSeed = Conf.Train.RedrawPixelsEveryIteration ? Iteration : Iteration / _data.ViewCount;
        var rng = new StableRandom(StableSeed.Mix(Conf.Train.Seed, StableSeed.Pixels, pixelSeed));
        var (batch, rgbGt) = _data.SamplePixels(view, Conf.Train.NumPixels, rng, Device);
        // A CPU generator whatever the device (TorchSharp's are; see RandomDraws): the same draws on every device.
        // 63 bits: libtorch stores generator seeds as uint64 but some paths pass them through int64.
        using var generator = new Generator(StableSeed.Mix(Conf.Train.Seed, StableSeed.Render, Iteration) >> 1);

        Model.OccupancyStep = Iteration;
        Model.OccupancyIdentities = _data.NumIdentities;
        var output = Model.Render(batch, generator);
        var terms = Loss.Compute(output, rgbGt);
        double lossValue = terms.Loss.item<float>();
        if (!double.IsFinite(lossValue))
            throw new NonFiniteLossException($"iteration {Iteration}: the loss is {lossValue} (rgb {terms.RgbLoss.item<float>()}, eikonal {terms.EikonalLoss.item<float>()}); stopped, " +
                (LastCheckpointIteration is int good ? $"the last good checkpoint is {Run.LatestCheckpoint} (iteration {good})" : "before the first checkpoint (this run has none to resume from)"));
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

    /// <summary>
    /// Trains until the total (or <paramref name="stopAfter"/> more iterations, or until <paramref name="cancel"/> is
    /// signalled, checked between iterations), checkpointing as configured and at the end. metrics.jsonl gets one line
    /// per logged iteration (every log_freq and the last), the same lines whether or not the run was interrupted.
    /// </summary>
    public void Train(IProgress<TrainingProgress>? progress = null, int? stopAfter = null, CancellationToken cancel = default)
    {
        if (stopAfter is <= 0) throw new ArgumentOutOfRangeException(nameof(stopAfter), stopAfter, "must be ≥ 1");
        _metrics ??= OpenMetrics();
        int end = stopAfter is int k ? (int)Math.Min(TotalIterations, (long)Iteration + k) : TotalIterations;
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
            bool logged = Iteration % logEvery == 0 || Iteration == TotalIterations;
            if (logged)
            {
                var record = new Dictionary<string, object> { ["iteration"] = Iteration };
                foreach (var (key, v) in m) record[key] = v;
                WriteMetricsLine(JsonSerializer.Serialize(record));
            }
            if (logged || Iteration == end)
            {
                progress?.Report(new TrainingProgress(Iteration, TotalIterations, m, window.Average())
                {
                    SecondsLeftInBudget = budget > 0 ? Math.Max(0, budget - wall.Elapsed.TotalSeconds) : null,
                });
            }
            if (Iteration % CheckpointEvery == 0) SaveCheckpoint();
            if (Iteration % PlotEvery == 0) OnSnapshot?.Invoke(this);
        }
        if (LastCheckpointIteration != Iteration) SaveCheckpoint();
    }

    /// <summary>Writes checkpoints/latest.ckpt, keeping the one it replaces as previous.ckpt.</summary>
    public void SaveCheckpoint()
    {
        Checkpoint.Save(Run.LatestCheckpoint, Model, _optimizer,
            new CheckpointMeta(Iteration, TotalIterations, Model is Stage1Model ? "stage1" : "stage2", LearningRate, Conf.Train.Seed, PeAlpha, DateTime.UtcNow.ToString("O")),
            keepPreviousAs: Run.PreviousCheckpoint, extraMembers: OccupancyMembers());
        LastCheckpointIteration = Iteration;
    }

    // The grids in use are part of the state: rebuilt on resume from later weights, they would sample differently
    // until the next scheduled rebuild.
    IEnumerable<(string, byte[])> OccupancyMembers()
    {
        foreach (var (identity, grid) in Model.OccupancyGrids.OrderBy(kv => kv.Key))
        {
            yield return ($"{Checkpoint.OccupancyPrefix}{identity}.bin", grid.ToBytes());
            yield return ($"{Checkpoint.OccupancyPrefix}{identity}.json", JsonSerializer.SerializeToUtf8Bytes(new OccupancyGridState(grid.BuiltAt, grid.Threshold)));
        }
    }

    void RestoreOccupancyGrids(CheckpointFile ckpt)
    {
        if (!Model.OccupancyGridEnabled) return;
        foreach (var name in ckpt.MemberNames.Where(n => n.StartsWith(Checkpoint.OccupancyPrefix, StringComparison.Ordinal) && n.EndsWith(".json", StringComparison.Ordinal)))
        {
            string stem = name[..^5];
            long identity = long.Parse(stem[Checkpoint.OccupancyPrefix.Length..], System.Globalization.CultureInfo.InvariantCulture);
            var state = JsonSerializer.Deserialize<OccupancyGridState>(ckpt.Member(name))
                        ?? throw new InvalidDataException($"{ckpt.Path}: unreadable {name}");
            try
            {
                Model.RestoreOccupancyGrid(identity, Rendering.OccupancyGrid.FromBytes(Conf.Model.RaySampler.OccupancyGrid, ckpt.Member(stem + ".bin"), state.BuiltAt, state.Threshold, Device));
            }
            catch (Exception e) when (e is InvalidDataException or KeyNotFoundException)
            {
                throw new InvalidDataException($"{ckpt.Path}: {stem}: {e.Message}", e);
            }
        }
    }

    sealed record OccupancyGridState(int BuiltAt, double Threshold);

    StreamWriter OpenMetrics()
    {
        try
        {
            return new StreamWriter(new FileStream(Run.MetricsFile, FileMode.Append, FileAccess.Write, FileShare.Read)) { AutoFlush = true };
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new IOException($"{Run.MetricsFile}: cannot open for writing ({AtomicFile.Reason(e)})", e);
        }
    }

    void WriteMetricsLine(string line)
    {
        try
        {
            _metrics!.WriteLine(line);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new IOException($"{Run.MetricsFile}: cannot write ({AtomicFile.Reason(e)}); the last checkpoint is {(LastCheckpointIteration is int i ? $"at iteration {i}" : "not written yet")}", e);
        }
    }

    public void Dispose()
    {
        try { _metrics?.Dispose(); }
        catch (IOException) { } // a full disk already reported by the write that failed
        _optimizer.Dispose();
        Model.Dispose();
        Run.Dispose();
    }
}
