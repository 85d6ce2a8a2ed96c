using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using HeadRecon.Training;

namespace HeadRecon.Sweeps;

public enum RunState { Pending, Running, Done, Failed }

/// <summary>What a scheduler says about one run's job: its id (e.g. "12_3"), its state as the scheduler spells it, and why it waits.</summary>
public sealed record SchedulerInfo(string JobId, string State, string? Reason = null);

/// <summary>Where one run stands: from its folder (result.json, task.json, metrics.jsonl, checkpoint) and, when known, its job.</summary>
public sealed record RunStatus(SweepRun Run, RunState State, int? Iteration, int? TotalIterations, string Detail, SchedulerInfo? Scheduler)
{
    public string Progress => Iteration is int i ? TotalIterations is int t ? $"{i}/{t}" : $"{i}" : "";
}

/// <summary>
/// pending / running / done / failed per run. The run folder decides first (result.json = done); a task whose process
/// is gone without a result is failed, unless the scheduler says it is queued or running again; a task on another
/// machine counts as running while its metrics keep being written.
/// </summary>
public static class SweepStatus
{
    /// <summary>A task on another machine is taken for dead when its folder has not changed for this long.</summary>
    public static readonly TimeSpan Stale = TimeSpan.FromMinutes(20);

    public static IReadOnlyList<RunStatus> Read(SweepPlan plan, IReadOnlyDictionary<int, SchedulerInfo>? scheduler = null) =>
        plan.AllRuns.Select(r => Read(r, scheduler?.GetValueOrDefault(r.Index))).ToList();

    public static RunStatus Read(SweepRun run, SchedulerInfo? job)
    {
        var folder = FromFolder(run);
        if (folder.State == RunState.Done || job is null) return folder;
        string s = job.State.ToUpperInvariant();
        string where = $"{job.JobId} {s}{(string.IsNullOrEmpty(job.Reason) || job.Reason is "None" ? "" : $" ({job.Reason})")}";
        RunState state = s switch
        {
            "RUNNING" or "COMPLETING" or "CONFIGURING" or "STAGE_OUT" or "SIGNALING" => RunState.Running,
            "PENDING" or "REQUEUED" or "REQUEUE_HOLD" or "REQUEUE_FED" or "SUSPENDED" or "RESIZING" or "RESV_DEL_HOLD" => RunState.Pending,
            "COMPLETED" => RunState.Failed, // completed without result.json
            _ => RunState.Failed,
        };
        // A job the scheduler has just finished may still be writing its result: the folder's "running" is newer news.
        if (state == RunState.Failed && folder.State == RunState.Running) state = RunState.Running;
        string detail = state == RunState.Failed && s == "COMPLETED" ? $"{where}, but no {SweepTask.ResultFile}" : string.IsNullOrEmpty(folder.Detail) ? where : $"{where}; {folder.Detail}";
        return folder with { State = state, Detail = detail, Scheduler = job };
    }

    static RunStatus FromFolder(SweepRun run)
    {
        if (SweepTask.ReadResult(run.Folder) is { } result)
            return new RunStatus(run, RunState.Done, result.Iterations, result.TotalIterations, result.EvalError is null ? "" : $"evaluation: {result.EvalError}", null);
        var (iteration, total) = Progress(run.Folder);
        var record = SweepTask.ReadRecord(run.Folder);
        if (record is not { Attempts.Count: > 0 })
            return new RunStatus(run, RunState.Pending, iteration, total, iteration is null ? "" : "started outside the sweep (no task.json)", null);
        var last = record.Attempts[^1];
        string attempts = record.Attempts.Count > 1 ? $"attempt {record.Attempts.Count}" : "";
        switch (last.Outcome)
        {
            case "stopped":
                return new RunStatus(run, RunState.Pending, iteration, total, Join($"stopped at iteration {last.EndIteration}, resumes from its checkpoint", attempts), null);
            case "failed":
                return new RunStatus(run, RunState.Failed, iteration, total, Join(last.Message ?? "failed", attempts), null);
            case "done":
                return new RunStatus(run, RunState.Running, iteration, total, Join("trained; evaluating", attempts), null);
        }
        if (Alive(last, run.Folder))
            return new RunStatus(run, RunState.Running, iteration, total, Join($"{last.Host} pid {last.Pid}", attempts), null);
        return new RunStatus(run, RunState.Failed, iteration, total, Join($"interrupted (no process on {last.Host}); resumes from its checkpoint when run again", attempts), null);
    }

    static string Join(string a, string b) => b.Length == 0 ? a : a.Length == 0 ? b : $"{a}; {b}";

    static bool Alive(TaskAttempt a, string folder)
    {
        if (a.Host == Environment.MachineName)
        {
            try
            {
                using var p = Process.GetProcessById(a.Pid);
                return !p.HasExited && p.StartTime.ToUniversalTime() <= DateTime.Parse(a.Started, CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind).ToUniversalTime().AddSeconds(5);
            }
            catch (ArgumentException) { return false; }
            catch (InvalidOperationException) { return false; }
        }
        var newest = new[] { "metrics.jsonl", SweepTask.TaskFile, "checkpoints/latest.ckpt" }
            .Select(f => Path.Combine(folder, f)).Where(File.Exists).Select(File.GetLastWriteTimeUtc).DefaultIfEmpty(DateTime.MinValue).Max();
        return DateTime.UtcNow - newest < Stale;
    }

    /// <summary>The last logged iteration (metrics.jsonl) and the run's total (its checkpoint).</summary>
    static (int? Iteration, int? Total) Progress(string folder)
    {
        int? iteration = null, total = null;
        string metrics = Path.Combine(folder, "metrics.jsonl");
        if (File.Exists(metrics))
        {
            string? last = null;
            using (var s = new FileStream(metrics, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete))
            using (var r = new StreamReader(s))
                for (string? line; (line = r.ReadLine()) is not null;)
                    if (line.Length > 0) last = line;
            if (last is not null)
            {
                try
                {
                    using var doc = JsonDocument.Parse(last);
                    iteration = doc.RootElement.GetProperty("iteration").GetInt32();
                }
                catch (JsonException) { } // a line being written
            }
        }
        string ckpt = Path.Combine(folder, "checkpoints", "latest.ckpt");
        if (File.Exists(ckpt))
        {
            try
            {
                var meta = Checkpoint.ReadMeta(ckpt);
                total = meta.TotalIterations;
                iteration ??= meta.Iteration;
            }
            catch (InvalidDataException) { } // being replaced
            catch (IOException) { }
        }
        return (iteration, total);
    }

    public static string Table(SweepPlan plan, IReadOnlyList<RunStatus> statuses)
    {
        var counts = Enum.GetValues<RunState>().ToDictionary(s => s, s => statuses.Count(x => x.State == s));
        var sb = new StringBuilder();
        sb.AppendLine(CultureInfo.InvariantCulture, $"sweep {plan.Spec.Name}: {statuses.Count} runs — {counts[RunState.Done]} done, {counts[RunState.Running]} running, {counts[RunState.Pending]} pending, {counts[RunState.Failed]} failed");
        int w = Math.Max(4, statuses.Max(s => s.Run.Name.Length));
        sb.AppendLine(CultureInfo.InvariantCulture, $"{"index",-6} {"name".PadRight(w)} {"state",-8} {"iteration",-12} detail");
        foreach (var s in statuses)
            sb.AppendLine($"{(s.Run.IsStage1 ? "-" : s.Run.Index.ToString(CultureInfo.InvariantCulture)),-6} {s.Run.Name.PadRight(w)} {s.State.ToString().ToLowerInvariant(),-8} {s.Progress,-12} {s.Detail}".TrimEnd());
        return sb.ToString();
    }
}
