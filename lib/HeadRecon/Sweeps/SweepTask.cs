using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using HeadRecon.Config;
using HeadRecon.Evaluation;
using HeadRecon.IO;
using HeadRecon.Pipelines;
using HeadRecon.Reporting;
using HeadRecon.Training;
using static TorchSharp.torch;

namespace HeadRecon.Sweeps;

/// <summary>One start of a task: where and when it ran, which scheduler slot it had, and the iterations it covered.</summary>
public sealed record TaskAttempt
{
    public string Started { get; init; } = "";
    public string Host { get; init; } = "";
    public int Pid { get; init; }
    public string? SlurmJobId { get; init; }
    public string? SlurmArrayJobId { get; init; }
    public string? SlurmArrayTaskId { get; init; }
    public int? SlurmRestartCount { get; init; }
    public string? KubernetesPod { get; init; }
    public int StartIteration { get; init; }
    public string? Ended { get; init; }
    public int? EndIteration { get; init; }
    public double? TrainSeconds { get; init; }
    /// <summary>"done", "stopped" (a signal; the checkpoint was written, run it again to continue) or "failed".</summary>
    public string? Outcome { get; init; }
    public string? Message { get; init; }
}

/// <summary>task.json of a run folder: every attempt at the run, so status and tests can see a resume.</summary>
public sealed record TaskRecord(string Sweep, string Name, int Index, List<TaskAttempt> Attempts);

/// <summary>result.json of a finished run: its settings and final metrics (one row of the sweep's table).</summary>
public sealed record RunResult(string Sweep, string Name, int Index, Dictionary<string, string> Settings, int Iterations, int TotalIterations,
    double TrainSeconds, int Attempts, Dictionary<string, double> Metrics, string? EvalError, string Finished);

public enum TaskOutcome { Done, AlreadyDone, Stopped }

public sealed record TaskOptions(Device Device, Action<string> Log)
{
    public IProgress<TrainingProgress>? Progress { get; init; }
    /// <summary>Called at the configuration's snapshot iterations (the command line writes PNGs; the library draws nothing).</summary>
    public Action<Trainer, ITrainingData>? OnSnapshot { get; init; }
}

/// <summary>
/// Runs one run of a sweep in its own folder: starts it, or resumes it from its checkpoint when the folder already holds
/// it (a requeued or preempted task), then evaluates it when the sweep says so and writes result.json. Cancelling (the
/// command line does on SIGTERM/SIGINT) stops after the current iteration with a checkpoint written. Nothing is written
/// outside the run folder.
/// </summary>
public static class SweepTask
{
    public const string TaskFile = "task.json";
    public const string ResultFile = "result.json";
    /// <summary>Training metrics in the table are the mean of this many last logged iterations (single batches are noisy).</summary>
    public const int FinalWindow = 10;

    public static readonly JsonSerializerOptions Json = new() { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower, WriteIndented = true,
        DefaultIgnoreCondition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull };

    public static TaskOutcome Run(SweepPlan plan, SweepRun run, TaskOptions o, CancellationToken cancel = default)
    {
        if (File.Exists(Path.Combine(run.Folder, ResultFile)))
        {
            o.Log($"{run.Name}: already done ({Path.Combine(run.Folder, ResultFile)})");
            return TaskOutcome.AlreadyDone;
        }
        CheckStage1(plan, run);
        // Everything that can fail on input is checked before the run folder is touched.
        var conf = plan.Resolve(run);
        var data = DatasetTrainingData.Open(conf);
        var gt = plan.Spec.Evaluate is { } ev && !run.IsStage1 ? Ply.Read(GroundTruthPath(ev, conf)) : null;
        Trainer trainer;
        if (File.Exists(Path.Combine(run.Folder, "conf.conf")))
        {
            var saved = RunFolder.Open(run.Folder).LoadConf();
            var diffs = ConfLoader.Differences(saved, conf);
            if (diffs.Count > 0)
                throw new InvalidOperationException($"{run.Folder}: was started with other settings ({string.Join(", ", diffs.Take(4))}{(diffs.Count > 4 ? ", …" : "")}); the sweep changed since: restore {plan.Spec.File}, or delete the folder to start the run again");
            trainer = Trainer.Resume(run.Folder, data, o.Device);
            o.Log($"{run.Name}: resuming at iteration {trainer.Iteration}/{trainer.TotalIterations}");
        }
        else
        {
            trainer = Trainer.Start(conf, data, run.Folder, o.Device);
            o.Log($"{run.Name}: {trainer.TotalIterations} iterations → {run.Folder}");
        }

        var record = ReadRecord(run.Folder) ?? new TaskRecord(plan.Spec.Name, run.Name, run.Index, []);
        var attempt = NewAttempt(trainer.Iteration);
        record.Attempts.Add(attempt);
        WriteRecord(run.Folder, record);
        var clock = Stopwatch.StartNew();
        int iterations, total;
        using (trainer)
        {
            if (o.OnSnapshot is { } snap) trainer.OnSnapshot = t => snap(t, data);
            try
            {
                trainer.Train(o.Progress, null, cancel);
            }
            catch (Exception e)
            {
                End(run.Folder, record, attempt with { EndIteration = trainer.Iteration, TrainSeconds = clock.Elapsed.TotalSeconds, Outcome = "failed", Message = e.Message });
                throw;
            }
            iterations = trainer.Iteration;
            total = trainer.TotalIterations;
        }
        double seconds = clock.Elapsed.TotalSeconds;
        if (cancel.IsCancellationRequested && iterations < total)
        {
            End(run.Folder, record, attempt with { EndIteration = iterations, TrainSeconds = seconds, Outcome = "stopped", Message = "stopped by a signal; checkpoint written" });
            o.Log($"{run.Name}: stopped at iteration {iterations}/{total}, checkpoint written; run the task again to resume");
            return TaskOutcome.Stopped;
        }

        var metrics = FinalTrainingMetrics(Path.Combine(run.Folder, "metrics.jsonl"));
        string? evalError = null;
        if (gt is not null)
        {
            var ev2 = plan.Spec.Evaluate!;
            o.Log($"{run.Name}: evaluating against {GroundTruthPath(ev2, conf)}");
            try
            {
                using var trained = TrainedRun.Load(run.Folder, o.Device);
                var (mesh, report) = RunEvaluator.Evaluate(trained, gt, ev2.Resolution, ev2.Views, ev2.Samples, ev2.UnitsToMm);
                Ply.Write(Path.Combine(run.Folder, "mesh.ply"), mesh);
                foreach (var (k, v) in EvaluationMetrics(report)) metrics[k] = v;
            }
            catch (InvalidDataException e)
            {
                // An empty reconstruction is a result of the run, not a failure of the task: the table shows it.
                evalError = e.Message;
            }
        }
        End(run.Folder, record, attempt with { EndIteration = iterations, TrainSeconds = seconds, Outcome = "done" });
        var final = ReadRecord(run.Folder)!;
        var result = new RunResult(plan.Spec.Name, run.Name, run.Index, run.Settings.ToDictionary(s => s.Column, s => s.Value), iterations, total,
            final.Attempts.Sum(a => a.TrainSeconds ?? 0), final.Attempts.Count, metrics, evalError, DateTime.UtcNow.ToString("O", CultureInfo.InvariantCulture));
        IO.AtomicFile.WriteAllText(Path.Combine(run.Folder, ResultFile), JsonSerializer.Serialize(result, Json));
        o.Log($"{run.Name}: done, {iterations} iterations in {result.TrainSeconds:F0} s over {result.Attempts} attempt(s)");
        return TaskOutcome.Done;
    }

    /// <summary>The index a scheduler gave this task: SLURM_ARRAY_TASK_ID (Slurm job arrays) or JOB_COMPLETION_INDEX (Kubernetes Indexed Jobs).</summary>
    public static int? IndexFromEnvironment()
    {
        foreach (var name in new[] { "SLURM_ARRAY_TASK_ID", "JOB_COMPLETION_INDEX" })
            if (Environment.GetEnvironmentVariable(name) is string v && int.TryParse(v, NumberStyles.None, CultureInfo.InvariantCulture, out int i)) return i;
        return null;
    }

    public static string GroundTruthPath(EvaluationSettings ev, HeadConf conf) =>
        ev.GroundTruth.Replace("{id}", conf.Dataset.ScanId, StringComparison.Ordinal).Replace("{data_dir}", conf.Dataset.DataDir, StringComparison.Ordinal);

    static void CheckStage1(SweepPlan plan, SweepRun run)
    {
        if (run.IsStage1 || plan.Stage1Folder is not string s1) return;
        if (plan.Stage1 is not null && !File.Exists(Path.Combine(s1, ResultFile)))
            throw new InvalidOperationException($"{run.Name}: stage 1 ({s1}) has not finished; run it first (headrecon sweep task {plan.Spec.File} --name {SweepPlan.Stage1Name})");
        Checkpoint.Resolve(s1);
    }

    public static TaskRecord? ReadRecord(string folder) => ReadJson<TaskRecord>(Path.Combine(folder, TaskFile));

    public static RunResult? ReadResult(string folder) => ReadJson<RunResult>(Path.Combine(folder, ResultFile));

    /// <summary>A JSON file of the sweep (null when absent); unreadable → one error naming it.</summary>
    internal static T? ReadJson<T>(string path) where T : class
    {
        if (!File.Exists(path)) return null;
        try { return JsonSerializer.Deserialize<T>(File.ReadAllText(path), Json); }
        catch (JsonException e) { throw new InvalidDataException($"{path}: unreadable ({e.Message})", e); }
    }

    static void WriteRecord(string folder, TaskRecord record) =>
        IO.AtomicFile.WriteAllText(Path.Combine(folder, TaskFile), JsonSerializer.Serialize(record, Json));

    static void End(string folder, TaskRecord record, TaskAttempt ended)
    {
        record.Attempts[^1] = ended with { Ended = DateTime.UtcNow.ToString("O", CultureInfo.InvariantCulture) };
        WriteRecord(folder, record);
    }

    static TaskAttempt NewAttempt(int iteration)
    {
        static string? Env(string n) => Environment.GetEnvironmentVariable(n);
        return new TaskAttempt
        {
            Started = DateTime.UtcNow.ToString("O", CultureInfo.InvariantCulture),
            Host = Environment.MachineName,
            Pid = Environment.ProcessId,
            SlurmJobId = Env("SLURM_JOB_ID"),
            SlurmArrayJobId = Env("SLURM_ARRAY_JOB_ID"),
            SlurmArrayTaskId = Env("SLURM_ARRAY_TASK_ID"),
            SlurmRestartCount = int.TryParse(Env("SLURM_RESTART_COUNT"), out int n) ? n : Env("SLURM_JOB_ID") is null ? null : 0,
            KubernetesPod = Env("JOB_COMPLETION_INDEX") is null ? null : Env("HOSTNAME"),
            StartIteration = iteration,
        };
    }

    /// <summary>
    /// The evaluation as table columns. F-scores are named by their threshold relative to the ground truth's diagonal
    /// ("fscore@1%diag") or in mm ("fscore@2mm") rather than in mesh units, so that every identity has the same columns.
    /// </summary>
    public static Dictionary<string, double> EvaluationMetrics(EvaluationReport report)
    {
        var d = new Dictionary<string, double>();
        if (report.Mesh is { } m)
        {
            foreach (var (k, v) in m.ToDictionary()) if (!k.Contains('@')) d[k] = v;
            double? mm = m.ChamferMm is double cm && m.Chamfer > 0 ? cm / m.Chamfer : null;
            foreach (var f in m.FScores)
            {
                double inMm = mm is double u ? f.Threshold * u : double.NaN;
                string label = Math.Abs(inMm - Math.Round(inMm)) < 1e-6 && inMm >= 1
                    ? $"{inMm.ToString("G3", CultureInfo.InvariantCulture)}mm"
                    : $"{(100 * f.Threshold / m.GroundTruthDiagonal).ToString("G3", CultureInfo.InvariantCulture)}%diag";
                d[$"precision@{label}"] = f.Precision;
                d[$"recall@{label}"] = f.Recall;
                d[$"fscore@{label}"] = f.F;
            }
        }
        if (report.MeanPsnr is double p) d["heldout_psnr"] = p;
        if (report.MeanSsim is double q) d["heldout_ssim"] = q;
        d["heldout_views"] = report.HeldOutViews.Count;
        return d;
    }

    /// <summary>Each logged training metric as the mean of its last <see cref="FinalWindow"/> values, prefixed "train_" (s_per_it from "seconds").</summary>
    static Dictionary<string, double> FinalTrainingMetrics(string metricsFile)
    {
        var result = new Dictionary<string, double>();
        foreach (var (key, values) in MetricsLog.Read(metricsFile))
        {
            if (key is "view" or "lr" or "pe_alpha" or "occupancy_build_s" || values.Count == 0) continue;
            double mean = values.TakeLast(FinalWindow).Average(v => v.Value);
            result[key == "seconds" ? "s_per_it" : "train_" + key] = mean;
        }
        return result;
    }
}
