using System.Diagnostics;
using System.Text.Json;
using HeadRecon.Config;
using HeadRecon.IO;
using HeadRecon.Models;
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
/// Trains one stage through the model's training contract (<see cref="HeadModel"/>): Adam over the parameter groups
/// the model names (train.freeze keeps some fixed, train.group_lr_scale scales their rate) with a per-iteration
/// exponential lr decay, one view and num_pixels random pixels per iteration (views shuffled each epoch), the model's
/// own schedules and objective, metrics.jsonl, PNG snapshots and atomic checkpoints holding the weights, the Adam
/// state and the model's schedule state. Every random draw of iteration i comes from generators seeded by
/// <see cref="StableSeed.Mix"/> of (seed, epoch or iteration), the same in every process, so a resumed run continues
/// exactly as an uninterrupted one would. The trainer holds its run folder's writer lock until it is disposed.
/// </summary>
public sealed class Trainer : IDisposable
{
    readonly ITrainingData _data;
    readonly Adam _optimizer;
    readonly double _lr0;
    /// <summary>The learning-rate multiplier of each of the optimizer's parameter groups, in order.</summary>
    readonly double[] _groupScales;
    readonly Stopwatch _clock = new();
    StreamWriter? _metrics;

    public HeadConf Conf { get; }
    public HeadModel Model { get; }
    public HeadLoss Loss { get; }
    public RunFolder Run { get; }
    public Device Device { get; }
    public int Iteration { get; private set; }
    /// <summary>Wall seconds spent in <see cref="Train"/> so far (steps, logging, checkpoints), this run's resumes included;
    /// stored in every checkpoint.</summary>
    public double TrainSeconds { get; private set; }
    public int TotalIterations { get; }
    public LoadReport? InitReport { get; }

    /// <summary>The iteration of the newest checkpoint on disk for this run (written or resumed from); null before the first.</summary>
    public int? LastCheckpointIteration { get; private set; }

    /// <summary>What <see cref="Resume"/> had to decide, one line each: a fallback to the previous checkpoint, a restart
    /// without any checkpoint, metrics lines dropped, temp files or a lock left by a killed writer.</summary>
    public IReadOnlyList<string> ResumeNotes { get; private init; } = [];

    /// <summary>Optional hook called after each snapshot iteration (e.g. to write PNGs).</summary>
    public Action<Trainer>? OnSnapshot { get; set; }

    Trainer(HeadConf conf, ITrainingData data, RunFolder run, Device device, HeadModel model, CheckpointFile? resumeFrom)
    {
        Conf = conf;
        _data = data;
        Run = run;
        Device = device;
        Model = model;
        TotalIterations = conf.Train.MaxIterations > 0 ? conf.Train.MaxIterations : checked(conf.Train.NEpochs * data.ViewCount);
        Loss = new HeadLoss(conf.Loss);

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

        _lr0 = conf.Train.LearningRate;
        (_optimizer, _groupScales) = CreateOptimizer(Model, conf.Train, _lr0);
        if (resumeFrom is not null)
        {
            resumeFrom.LoadOptimizer(_optimizer);
            Iteration = resumeFrom.Meta.Iteration;
            TrainSeconds = resumeFrom.Meta.TrainSeconds;
            LastCheckpointIteration = Iteration;
            Model.RestoreScheduleState(resumeFrom.MemberNames, resumeFrom.Member, resumeFrom.Path);
        }
        ApplySchedules();
    }

    /// <summary>
    /// Adam over the groups not frozen. With every group at scale 1 (the default) one parameter group of every trainable
    /// parameter in the model's order, as the original; otherwise one per model group, each at lr × its scale.
    /// </summary>
    static (Adam Optimizer, double[] Scales) CreateOptimizer(HeadModel model, TrainOptions t, double lr)
    {
        var groups = model.ParameterGroups();
        var frozen = t.Freeze.ToHashSet(StringComparer.Ordinal);
        foreach (var g in groups)
            foreach (var (_, p) in g.Parameters) p.requires_grad = !frozen.Contains(g.Name);
        double Scale(ParameterGroup g) => t.GroupLrScale.GetValueOrDefault(g.Name, 1.0);
        if (groups.All(g => Scale(g) == 1.0))
            return (optim.Adam(model.parameters().Where(p => p.requires_grad).ToList(), lr), [1.0]);
        var live = groups.Where(g => !frozen.Contains(g.Name) && g.Parameters.Count > 0).ToList();
        return (optim.Adam(live.Select(g => new Adam.ParamGroup(g.Parameters.Select(p => p.Parameter), lr: lr * Scale(g))), lr), [.. live.Select(Scale)]);
    }

    /// <summary>Starts a new run in <paramref name="runDir"/> (which must not hold a run yet). The configuration is checked
    /// against the data and the model before the folder is created.</summary>
    public static Trainer Start(HeadConf conf, ITrainingData data, string runDir, Device device)
    {
        var model = CreateModel(conf, data, device);
        RunFolder? run = null;
        try
        {
            run = RunFolder.Create(runDir, conf);
            return new Trainer(conf, data, run, device, model, null);
        }
        catch
        {
            model.Dispose();
            run?.Dispose();
            throw;
        }
    }

    /// <summary>The run's model, seeded by train.seed, on <paramref name="device"/>, once the configuration fits the data and
    /// names only groups the model has.</summary>
    static HeadModel CreateModel(HeadConf conf, ITrainingData data, Device device)
    {
        if (data.NumIdentities > conf.Model.NumIdentity)
            throw new ConfException($"is {conf.Model.NumIdentity}, but the dataset has {data.NumIdentities} identities; raise it (keep it equal in both stages)", key: "model.num_identity");
        manual_seed(conf.Train.Seed);
        var model = ModelFactory.Create(conf);
        try
        {
            model.CheckGroupNames(conf.Train.Freeze, "train.freeze");
            model.CheckGroupNames(conf.Train.GroupLrScale.Keys, "train.group_lr_scale");
            model.ToDevice(device);
            return model;
        }
        catch
        {
            model.Dispose();
            throw;
        }
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
            var model = CreateModel(conf, data, device);
            Trainer trainer;
            try { trainer = new Trainer(conf, data, run, device, model, ckpt) { ResumeNotes = notes }; }
            catch { model.Dispose(); throw; }
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

    /// <summary>The PE window α of the model's schedule at the current iteration.</summary>
    public double PeAlpha => Model.Window.Alpha(Iteration);

    /// <summary>The learning rate of every optimizer group (× its train.group_lr_scale) and the model's own schedules, for <see cref="Iteration"/>.</summary>
    void ApplySchedules()
    {
        var groups = _optimizer.ParamGroups.ToList();
        for (int i = 0; i < groups.Count; i++) groups[i].LearningRate = LearningRate * _groupScales[i];
        Model.UpdateToStep(Iteration, _data.NumIdentities);
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

        var output = Model.Render(batch, generator);
        var terms = Model.Loss(output, rgbGt, Loss);
        double lossValue = terms.Total.item<float>();
        if (!double.IsFinite(lossValue))
            throw new NonFiniteLossException($"iteration {Iteration}: the loss is {lossValue} ({string.Join(", ", terms.Terms.Select(t => $"{t.Name} {t.Value.item<float>()}"))}); stopped, " +
                (LastCheckpointIteration is int good ? $"the last good checkpoint is {Run.LatestCheckpoint} (iteration {good})" : "before the first checkpoint (this run has none to resume from)"));
        _optimizer.zero_grad();
        terms.Total.backward();
        _optimizer.step();

        // Every logged value in one copy to the host (on a GPU each item() waits for the device).
        var named = terms.Named().ToList();
        // PSNR over the uniformly drawn pixels only: detail-favouring draws sit on edges and would understate it.
        int uniformRays = _data.UniformPixelCount(Conf.Train.NumPixels);
        var sqErr = (output.RgbValues.detach() - rgbGt.reshape(-1, 3)).pow(2);
        var mseT = (uniformRays > 0 ? sqErr.narrow(0, 0, uniformRays) : sqErr).mean();
        float[] host = cat([.. named.Select(t => t.Value.detach().reshape(1)), mseT.reshape(1), Model.Density.GetBeta().detach().reshape(1)]).to(float32).cpu().data<float>().ToArray();
        var metrics = new Dictionary<string, double>();
        for (int i = 0; i < named.Count; i++) metrics[named[i].Name] = host[i];
        double mse = host[named.Count];
        metrics["psnr"] = -10.0 * Math.Log10(Math.Max(mse, 1e-12));
        metrics["beta"] = host[named.Count + 1];
        metrics["lr"] = LearningRate;
        metrics["pe_alpha"] = PeAlpha;
        metrics["view"] = view;
        metrics["sampler_iters"] = output.SamplerIterations;
        foreach (var (name, value) in Model.StepMetrics(batch.IdentityIndex ?? batch.Identity.reshape(-1)[0].item<long>())) metrics[name] = value;
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
        double secondsBefore = TrainSeconds, budget = Conf.Train.MaxSeconds;
        while (Iteration < end && !cancel.IsCancellationRequested)
        {
            if (budget > 0 && wall.Elapsed.TotalSeconds >= budget) break;
            _clock.Restart();
            var m = Step();
            double seconds = _clock.Elapsed.TotalSeconds;
            TrainSeconds = secondsBefore + wall.Elapsed.TotalSeconds;
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
        TrainSeconds = secondsBefore + wall.Elapsed.TotalSeconds;
        if (LastCheckpointIteration != Iteration) SaveCheckpoint();
    }

    /// <summary>Writes checkpoints/latest.ckpt, keeping the one it replaces as previous.ckpt.</summary>
    public void SaveCheckpoint()
    {
        Checkpoint.Save(Run.LatestCheckpoint, Model, _optimizer,
            new CheckpointMeta(Iteration, TotalIterations, Model.Stage, LearningRate, Conf.Train.Seed, PeAlpha, DateTime.UtcNow.ToString("O")) { TrainSeconds = TrainSeconds },
            keepPreviousAs: Run.PreviousCheckpoint, extraMembers: Model.ScheduleState());
        LastCheckpointIteration = Iteration;
    }

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
