using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;

namespace HeadRecon.Sweeps;

/// <summary>One sbatch submission of a sweep, recorded in _sweep/slurm/jobs.json so status can ask squeue/sacct about it.</summary>
public sealed record SlurmSubmission(string JobId, string Kind, IReadOnlyList<int> Indices, string Script, string? Dependency, string Submitted);

/// <summary>A script to submit: the file it goes to, its text, and the indices it covers (stage 1: [-1]).</summary>
public sealed record SlurmScript(string Kind, string Path, string Text, IReadOnlyList<int> Indices);

/// <summary>
/// The sweep on Slurm: one sbatch script with an --array task per run (only the runs not done yet), and one for the
/// stage-1 run when the sweep trains it, which the array waits for with --dependency=afterok. Each task runs
/// `headrecon sweep task FILE`, which takes its run from SLURM_ARRAY_TASK_ID and resumes from the run's checkpoint after a
/// requeue. Slurm sends USR1 --signal seconds before the time limit: the script passes it on as SIGTERM, the task writes a
/// checkpoint and exits 75, and the script requeues the job, which continues where it stopped. On preemption or
/// scancel Slurm sends SIGTERM itself (then SIGKILL after its KillWait or GraceTime), with the same checkpoint.
/// </summary>
public static class SlurmExecutor
{
    /// <summary>The task's exit code when a signal stopped it before the end (EX_TEMPFAIL): not done, resumable.</summary>
    public const int StoppedExitCode = 75;
    public const int DefaultSignalSeconds = 300;

    public static string SlurmDir(SweepPlan plan) => Path.Combine(plan.MetaDir, "slurm");
    static string JobsFile(SweepPlan plan) => Path.Combine(SlurmDir(plan), "jobs.json");

    /// <summary>
    /// The scripts to submit now: stage 1 when the sweep trains it and it is not done, and the array of the runs that are
    /// not done and not already queued or running in an earlier submission. <paramref name="taskCommand"/> is shell text
    /// that starts headrecon on the compute nodes.
    /// </summary>
    public static IReadOnlyList<SlurmScript> Scripts(SweepPlan plan, SlurmSettings overrides, string taskCommand, string device, string workDir,
        IReadOnlyDictionary<int, SchedulerInfo>? queued = null)
    {
        var statuses = SweepStatus.Read(plan, queued);
        bool Submit(SweepRun r) => statuses.First(s => s.Run == r) is { State: not RunState.Done } s
                                   && s.Scheduler is not { State: "PENDING" or "RUNNING" or "REQUEUED" or "CONFIGURING" or "COMPLETING" or "SUSPENDED" };
        var scripts = new List<SlurmScript>();
        if (plan.Stage1 is { } st1 && Submit(st1))
        {
            var s = plan.Spec.Slurm.With(plan.Spec.Stage1!.Slurm).With(overrides);
            string path = Path.Combine(SlurmDir(plan), $"{plan.Spec.Name}-stage1.sbatch");
            scripts.Add(new SlurmScript("stage1", path, Script(plan, s, null, taskCommand, device, workDir, $"{plan.Spec.Name}-stage1"), [SweepRun.Stage1Index]));
        }
        var indices = plan.Runs.Where(Submit).Select(r => r.Index).ToList();
        if (indices.Count > 0)
        {
            var s = plan.Spec.Slurm.With(overrides);
            string path = Path.Combine(SlurmDir(plan), $"{plan.Spec.Name}.sbatch");
            scripts.Add(new SlurmScript("array", path, Script(plan, s, indices, taskCommand, device, workDir, plan.Spec.Name), indices));
        }
        return scripts;
    }

    /// <summary>The sbatch script of an array over <paramref name="indices"/>, or of the stage-1 run when null.</summary>
    public static string Script(SweepPlan plan, SlurmSettings s, IReadOnlyList<int>? indices, string taskCommand, string device, string workDir, string jobName)
    {
        var sb = new StringBuilder();
        sb.AppendLine("#!/bin/bash");
        sb.AppendLine(indices is null
            ? $"# headrecon sweep {plan.Spec.Name}: stage 1 ({plan.Stage1!.Folder}), the start of every run of the sweep."
            : $"# headrecon sweep {plan.Spec.Name}: {indices.Count} of its {plan.Runs.Count} runs, one array task per run (task i = run i of `headrecon sweep plan {plan.Spec.File}`).");
        sb.AppendLine("# Written by `headrecon sweep run --slurm`; resubmitting that command submits only the runs not done.");
        void Opt(string text) => sb.AppendLine("#SBATCH " + text);
        Opt($"--job-name={jobName}");
        if (indices is not null) Opt($"--array={ArraySpec(indices)}{(s.Throttle is int k ? $"%{k}" : "")}");
        if (s.Partition is not null) Opt($"--partition={s.Partition}");
        if (s.Time is not null) Opt($"--time={s.Time}");
        if (s.Account is not null) Opt($"--account={s.Account}");
        if (s.Qos is not null) Opt($"--qos={s.Qos}");
        Opt("--nodes=1");
        Opt("--ntasks=1");
        Opt($"--cpus-per-task={s.CpusPerTask ?? 1}");
        if (s.Gpus is not null) Opt($"--gpus={s.Gpus}");
        if (s.Mem is not null) Opt($"--mem={s.Mem}");
        Opt("--requeue");
        Opt("--open-mode=append");
        Opt($"--signal=B:USR1@{s.SignalSeconds ?? DefaultSignalSeconds}");
        Opt($"--output={Path.Combine(SlurmDir(plan), indices is null ? "%x-%j.out" : "%x-%A_%a.out")}");
        Opt($"--chdir={workDir}");
        foreach (var extra in s.Sbatch) Opt(extra);
        sb.AppendLine();
        sb.AppendLine("set -uo pipefail");
        foreach (var line in s.Setup) sb.AppendLine(line);
        foreach (var (k, v) in Runtime.TorchRuntime.LaunchEnvironment) sb.AppendLine(CultureInfo.InvariantCulture, $"export {k}={v}");
        sb.AppendLine("export HEADRECON_NO_RELAUNCH=1 HEADRECON_THREADS=\"${SLURM_CPUS_PER_TASK:-1}\"");
        sb.AppendLine();
        sb.AppendLine("# USR1 (time limit near): stop with a checkpoint, then requeue; TERM (scancel, preemption): stop with a checkpoint.");
        sb.AppendLine("requeue=0");
        sb.AppendLine("trap 'requeue=1; kill -TERM \"$task\" 2>/dev/null' USR1");
        sb.AppendLine("trap 'kill -TERM \"$task\" 2>/dev/null' TERM");
        // An array task finds its run from SLURM_ARRAY_TASK_ID; --plan makes it refuse a sweep file edited since submission.
        string which = indices is null ? $" --name {SweepPlan.Stage1Name}" : "";
        sb.AppendLine(CultureInfo.InvariantCulture, $"{taskCommand} sweep task {Quote(plan.Spec.File)}{which} --plan {plan.Hash} --device {Quote(device)} &");
        sb.AppendLine("task=$!");
        sb.AppendLine("# wait returns early when a trapped signal arrives: wait again until the task has exited.");
        sb.AppendLine("while :; do wait \"$task\"; rc=$?; kill -0 \"$task\" 2>/dev/null || break; done");
        sb.AppendLine(CultureInfo.InvariantCulture, $"if [[ $rc -eq {StoppedExitCode} && $requeue -eq 1 ]]; then scontrol requeue \"$SLURM_JOB_ID\"; fi");
        sb.AppendLine("exit $rc");
        return sb.ToString();
    }

    /// <summary>0,1,2,5,7,8 → "0-2,5,7-8".</summary>
    public static string ArraySpec(IReadOnlyList<int> indices)
    {
        var parts = new List<string>();
        var sorted = indices.Order().ToList();
        for (int i = 0; i < sorted.Count;)
        {
            int j = i;
            while (j + 1 < sorted.Count && sorted[j + 1] == sorted[j] + 1) j++;
            parts.Add(i == j ? $"{sorted[i]}" : $"{sorted[i]}-{sorted[j]}");
            i = j + 1;
        }
        return string.Join(',', parts);
    }

    /// <summary>Writes the scripts and submits them with sbatch, the array after stage 1 (afterok); returns the submissions.</summary>
    public static IReadOnlyList<SlurmSubmission> Submit(SweepPlan plan, IReadOnlyList<SlurmScript> scripts, Action<string> log)
    {
        Directory.CreateDirectory(SlurmDir(plan));
        var submitted = new List<SlurmSubmission>();
        // A stage-1 job already queued from an earlier submission is waited for instead of submitted again.
        string? stage1Job = scripts.Any(s => s.Kind == "stage1") ? null : QueuedStage1(plan);
        foreach (var script in scripts)
        {
            File.WriteAllText(script.Path, script.Text);
            var args = new List<string> { "--parsable" };
            string? dependency = script.Kind == "array" && stage1Job is not null ? $"afterok:{stage1Job}" : null;
            if (dependency is not null) args.AddRange([$"--dependency={dependency}", "--kill-on-invalid-dep=yes"]);
            args.Add(script.Path);
            var (code, stdout, stderr) = Run("sbatch", args);
            if (code != 0) throw new InvalidOperationException($"sbatch {script.Path} failed: {stderr.Trim()}{(submitted.Count > 0 ? $" (already submitted: {string.Join(", ", submitted.Select(s => s.JobId))})" : "")}");
            string id = stdout.Trim().Split(';')[0];
            var sub = new SlurmSubmission(id, script.Kind, script.Indices, script.Path, dependency, DateTime.UtcNow.ToString("O", CultureInfo.InvariantCulture));
            submitted.Add(sub);
            Record(plan, sub);
            if (script.Kind == "stage1") stage1Job = id;
            log($"submitted {script.Kind} job {id}: {script.Path}{(dependency is null ? "" : $" (--dependency={dependency})")}");
        }
        return submitted;
    }

    public static IReadOnlyList<SlurmSubmission> Submissions(SweepPlan plan) => SweepTask.ReadJson<List<SlurmSubmission>>(JobsFile(plan)) ?? [];

    static void Record(SweepPlan plan, SlurmSubmission s) =>
        IO.AtomicFile.WriteAllText(JobsFile(plan), JsonSerializer.Serialize(Submissions(plan).Append(s).ToList(), SweepTask.Json));

    static string? QueuedStage1(SweepPlan plan)
    {
        if (plan.Stage1 is null || File.Exists(Path.Combine(plan.Stage1.Folder, SweepTask.ResultFile))) return null;
        var info = Query(plan).GetValueOrDefault(SweepRun.Stage1Index);
        return info is { State: "PENDING" or "RUNNING" or "CONFIGURING" or "REQUEUED" } ? info.JobId : null;
    }

    /// <summary>
    /// The scheduler's view of each run (by index; stage 1 is -1) for the jobs this sweep submitted: squeue first (it
    /// knows queued, running and recently finished jobs), then sacct for older ones. Empty when Slurm is not reachable.
    /// </summary>
    public static IReadOnlyDictionary<int, SchedulerInfo> Query(SweepPlan plan)
    {
        var result = new Dictionary<int, SchedulerInfo>();
        var subs = Submissions(plan);
        if (subs.Count == 0) return result;
        foreach (var sub in subs) // later submissions win
        {
            var lines = Lines("squeue", ["-h", "-r", "-t", "all", "-j", sub.JobId, "-o", "%i|%T|%r"]);
            if (lines.Count == 0) lines = Lines("sacct", ["-n", "-P", "-X", "-j", sub.JobId, "-o", "JobID,State,Reason"]);
            foreach (var line in lines)
            {
                var f = line.Split('|');
                if (f.Length < 2) continue;
                string state = f[1].Split(' ')[0]; // sacct: "CANCELLED by 0"
                if (sub.Kind == "stage1") { result[SweepRun.Stage1Index] = new SchedulerInfo(f[0], state, f.ElementAtOrDefault(2)); continue; }
                int us = f[0].IndexOf('_');
                if (us < 0 || !int.TryParse(f[0][(us + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out int index)) continue; // "12_[3-9]": expanded by -r
                result[index] = new SchedulerInfo(f[0], state, f.ElementAtOrDefault(2));
            }
        }
        return result;
    }

    static List<string> Lines(string exe, IReadOnlyList<string> args)
    {
        try
        {
            var (code, stdout, _) = Run(exe, args);
            return code == 0 ? stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).ToList() : [];
        }
        catch (System.ComponentModel.Win32Exception) { return []; } // not installed here
    }

    static (int Code, string Stdout, string Stderr) Run(string exe, IReadOnlyList<string> args)
    {
        var psi = new ProcessStartInfo(exe) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in args) psi.ArgumentList.Add(a);
        Process p;
        try { p = Process.Start(psi)!; }
        catch (System.ComponentModel.Win32Exception) when (exe == "sbatch")
        {
            throw new InvalidOperationException("sbatch not found: --slurm needs Slurm's client commands on PATH (--dry-run prints the scripts without them)");
        }
        using (p)
        {
            var err = p.StandardError.ReadToEndAsync();
            string stdout = p.StandardOutput.ReadToEnd();
            p.WaitForExit();
            return (p.ExitCode, stdout, err.Result);
        }
    }

    /// <summary>Single-quoted for bash unless it is plainly safe.</summary>
    public static string Quote(string s) =>
        s.Length > 0 && s.All(c => char.IsAsciiLetterOrDigit(c) || c is '/' or '.' or '_' or '-' or '+' or ':' or '=' or ',') ? s : "'" + s.Replace("'", "'\\''") + "'";
}
