using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text.Json;
using HeadRecon.Runtime;
using HeadRecon.Sweeps;
using HeadRecon.Training;

namespace HeadRecon.Cli.Commands;

/// <summary>`headrecon sweep plan|run|task|status|collect FILE`: many independent runs from one sweep file, here or on a cluster.</summary>
public static class SweepCommand
{
    public static Command Create() => new("sweep", "Many runs from one sweep file (identities × variants × grid × seeds, optionally after a stage-1 run): plan, run here or on Slurm/Kubernetes, status, collect the results table.")
    {
        Plan(), RunCommand(), Task(), Status(), Collect(),
    };

    static Argument<string> FileArgument() => new("FILE") { Description = "sweep file (HOCON): base, identities, seeds, grid, variants, stage1, evaluate, slurm, k8s" };

    static Command Plan()
    {
        var file = FileArgument();
        var json = new Option<bool>("--json") { Description = "one JSON object per run" };
        var cmd = new Command("plan", "Print the expanded runs: index, stable name, run folder and settings (every configuration is checked).") { file, json };
        cmd.SetAction(parse =>
        {
            var plan = SweepPlan.Load(parse.GetValue(file)!);
            if (parse.GetValue(json))
            {
                foreach (var r in plan.AllRuns)
                    Console.WriteLine(JsonSerializer.Serialize(new { index = r.Index, name = r.Name, folder = r.Folder, conf = r.ConfFile, settings = r.Settings.ToDictionary(s => s.Column, s => s.Value), overrides = r.Overrides }));
                return 0;
            }
            var s = plan.Spec;
            Console.WriteLine($"sweep {s.Name}: {plan.Runs.Count} runs of {s.BaseConf} in {s.OutDir} (plan {plan.Hash})");
            if (plan.Stage1 is { } st1) Console.WriteLine($"stage 1 first: {st1.Name} ({st1.ConfFile}) → {st1.Folder}; every run starts from it");
            else if (plan.Stage1Folder is string f) Console.WriteLine($"every run starts from the stage-1 run {f}");
            int w = Math.Max(4, plan.Runs.Max(r => r.Name.Length));
            Console.WriteLine($"{"index",-6} {"name".PadRight(w)} settings");
            foreach (var r in plan.Runs)
                Console.WriteLine($"{r.Index,-6} {r.Name.PadRight(w)} {string.Join("  ", r.Settings.Select(x => $"{x.Column}={x.Value}"))}".TrimEnd());
            return 0;
        });
        return cmd;
    }

    static Command RunCommand()
    {
        var file = FileArgument();
        var local = new Option<bool>("--local") { Description = "run here, one process per run" };
        var jobs = new Option<int>("-j", "--jobs") { Description = "--local: runs at a time (threads are split between them)", DefaultValueFactory = _ => 1 };
        var slurm = new Option<bool>("--slurm") { Description = "write an sbatch script (one array task per run not done) and submit it" };
        var emit = new Option<string?>("--emit") { Description = "k8s: write a Kubernetes Indexed Job manifest (not applied)" };
        var dryRun = new Option<bool>("--dry-run") { Description = "print the script or manifest; write and submit nothing" };
        var partition = new Option<string?>("--partition") { Description = "Slurm partition (overrides slurm.partition)" };
        var time = new Option<string?>("--time") { Description = "time limit per task, e.g. 04:00:00 (slurm.time)" };
        var cpus = new Option<int?>("--cpus-per-task") { Description = "cores per task (slurm.cpus_per_task)" };
        var gpus = new Option<string?>("--gpus") { Description = "GPUs per task, e.g. 1 or a100:1 (slurm.gpus)" };
        var mem = new Option<string?>("--mem") { Description = "memory per task, e.g. 32G (slurm.mem)" };
        var throttle = new Option<int?>("--throttle") { Description = "at most this many tasks at once: --array=…%K (slurm.throttle)" };
        var account = new Option<string?>("--account") { Description = "Slurm account (slurm.account)" };
        var qos = new Option<string?>("--qos") { Description = "Slurm QOS (slurm.qos)" };
        var device = CliOptions.Device();
        var cmd = new Command("run", "Run the sweep: --local [-j N] here, --slurm as a job array (stage 2 after stage 1 with --dependency=afterok), --emit k8s as an Indexed Job manifest.")
        {
            file, local, jobs, slurm, emit, dryRun, partition, time, cpus, gpus, mem, throttle, account, qos, device,
        };
        cmd.SetAction(parse =>
        {
            int modes = (parse.GetValue(local) ? 1 : 0) + (parse.GetValue(slurm) ? 1 : 0) + (parse.GetValue(emit) is null ? 0 : 1);
            if (modes != 1) throw new ArgumentException("sweep run: choose one of --local, --slurm or --emit k8s");
            var plan = SweepPlan.Load(parse.GetValue(file)!);
            string dev = parse.GetValue(device)!;
            string workDir = Directory.GetCurrentDirectory();
            if (parse.GetValue(emit) is string target)
            {
                if (target != "k8s") throw new ArgumentException($"--emit {target}: only k8s (a Kubernetes Indexed Job manifest) is known");
                string yaml = KubernetesManifest.Yaml(plan, dev, workDir);
                if (parse.GetValue(dryRun)) { Console.Write(yaml); return 0; }
                string path = KubernetesManifest.Path(plan);
                Directory.CreateDirectory(Path.GetDirectoryName(path)!);
                File.WriteAllText(path, yaml);
                Console.WriteLine($"wrote {path}: {plan.Runs.Count} runs as an Indexed Job{(plan.Stage1 is null ? "" : " after a stage-1 Job")}; apply it with kubectl apply -f {path}");
                return 0;
            }
            if (parse.GetValue(slurm))
            {
                var overrides = new SlurmSettings
                {
                    Partition = parse.GetValue(partition), Time = parse.GetValue(time), CpusPerTask = parse.GetValue(cpus), Gpus = parse.GetValue(gpus),
                    Mem = parse.GetValue(mem), Throttle = parse.GetValue(throttle), Account = parse.GetValue(account), Qos = parse.GetValue(qos),
                };
                string taskCommand = plan.Spec.Slurm.Command ?? string.Join(' ', SelfCommand.Arguments().Select(SlurmExecutor.Quote));
                bool dry = parse.GetValue(dryRun);
                var scripts = SlurmExecutor.Scripts(plan, overrides, taskCommand, dev, workDir, SlurmExecutor.Query(plan));
                if (scripts.Count == 0)
                {
                    Console.WriteLine($"nothing to submit: every run of {plan.Spec.Name} is done, queued or running (headrecon sweep status {plan.Spec.File})");
                    return 0;
                }
                if (dry)
                {
                    foreach (var s in scripts)
                    {
                        bool after = s.Kind == "array" && plan.Stage1 is not null;
                        Console.WriteLine($"# ---- {s.Path}: submitted as sbatch --parsable{(after ? " --dependency=afterok:<stage-1 job> --kill-on-invalid-dep=yes" : "")} {s.Path}");
                        Console.Write(s.Text);
                    }
                    return 0;
                }
                SlurmExecutor.Submit(plan, scripts, Console.WriteLine);
                Console.WriteLine($"follow it with: headrecon sweep status {plan.Spec.File}");
                return 0;
            }
            return RunLocal(plan, parse.GetValue(jobs), dev);
        });
        return cmd;
    }

    static int RunLocal(SweepPlan plan, int jobs, string device)
    {
        using var cts = new CancellationTokenSource();
        using var term = OnStopSignal(cts, "stopping the running tasks (they write a checkpoint); run the sweep again to resume");
        var self = SelfCommand.Arguments();
        var summary = LocalExecutor.Run(plan, jobs, (run, threads) =>
        {
            var psi = new ProcessStartInfo(self[0]);
            foreach (var a in self.Skip(1).Concat(["sweep", "task", plan.Spec.File, "--name", run.Name, "--plan", plan.Hash, "--device", device])) psi.ArgumentList.Add(a);
            foreach (var (k, v) in TorchRuntime.LaunchEnvironment) psi.Environment[k] = v;
            psi.Environment["HEADRECON_NO_RELAUNCH"] = "1";
            psi.Environment["HEADRECON_THREADS"] = threads.ToString(CultureInfo.InvariantCulture);
            return psi;
        }, Console.WriteLine, cts.Token);
        Console.WriteLine($"sweep {plan.Spec.Name}: {summary.Done} done now, {summary.Skipped} done before, {summary.Stopped} stopped, {summary.Failed} failed");
        return summary.Failed > 0 ? 1 : summary.Stopped > 0 ? SlurmExecutor.StoppedExitCode : 0;
    }

    static Command Task()
    {
        var file = FileArgument();
        var index = new Option<int?>("--index") { Description = "the run's index in the plan (default: SLURM_ARRAY_TASK_ID or JOB_COMPLETION_INDEX)" };
        var name = new Option<string?>("--name") { Description = "the run by name (stage1: the sweep's stage-1 run)" };
        var planHash = new Option<string?>("--plan") { Description = "refuse to run unless the sweep still expands to this plan (set by the executors)" };
        var device = CliOptions.Device();
        var cmd = new Command("task", "Train (or resume) one run of the sweep in its own folder; SIGTERM stops it with a checkpoint (exit 75).") { file, index, name, planHash, device };
        cmd.SetAction(parse =>
        {
            var plan = SweepPlan.Load(parse.GetValue(file)!);
            if (parse.GetValue(planHash) is string h && h != plan.Hash)
                throw new InvalidOperationException($"{plan.Spec.File}: the sweep changed since it was submitted (plan {h}, now {plan.Hash}), so an index may mean another run; resubmit it with headrecon sweep run");
            var run = parse.GetValue(name) is string n ? plan.Find(n)
                : plan.Find(parse.GetValue(index) ?? SweepTask.IndexFromEnvironment()
                            ?? throw new ArgumentException("sweep task: give --index I or --name NAME (a Slurm array task or an indexed pod finds its own)"));
            var dev = TorchRuntime.ResolveDevice(parse.GetValue(device)!);
            using var cts = new CancellationTokenSource();
            // Slurm (scancel, preemption, requeue, the --signal warning passed on by the script) and Kubernetes send SIGTERM
            // before killing: stop after the current iteration; Trainer.Train writes the checkpoint when it returns.
            using var term = OnStopSignal(cts, "stopping after this iteration with a checkpoint");
            var outcome = SweepTask.Run(plan, run, new TaskOptions(dev, Console.WriteLine)
            {
                Progress = new ConsoleProgress(),
                OnSnapshot = (t, d) => Snapshots.Write(t, d),
            }, cts.Token);
            return outcome == TaskOutcome.Stopped ? SlurmExecutor.StoppedExitCode : 0;
        });
        return cmd;
    }

    /// <summary>SIGTERM and SIGINT cancel <paramref name="cts"/> instead of ending the process.</summary>
    static IDisposable OnStopSignal(CancellationTokenSource cts, string message)
    {
        void Handler(PosixSignalContext c)
        {
            c.Cancel = true;
            if (!cts.IsCancellationRequested) Console.WriteLine($"{c.Signal}: {message}");
            cts.Cancel();
        }
        return new Registrations(PosixSignalRegistration.Create(PosixSignal.SIGTERM, Handler), PosixSignalRegistration.Create(PosixSignal.SIGINT, Handler));
    }

    sealed class Registrations(params PosixSignalRegistration[] items) : IDisposable
    {
        public void Dispose() { foreach (var r in items) r.Dispose(); }
    }

    static Command Status()
    {
        var file = FileArgument();
        var json = new Option<bool>("--json") { Description = "one JSON object per run" };
        var cmd = new Command("status", "pending / running / done / failed per run, from the run folders and squeue/sacct when the sweep was submitted to Slurm.") { file, json };
        cmd.SetAction(parse =>
        {
            var plan = SweepPlan.Load(parse.GetValue(file)!);
            var statuses = SweepStatus.Read(plan, SlurmExecutor.Query(plan));
            if (parse.GetValue(json))
            {
                foreach (var s in statuses)
                    Console.WriteLine(JsonSerializer.Serialize(new { index = s.Run.Index, name = s.Run.Name, state = s.State.ToString().ToLowerInvariant(), iteration = s.Iteration, total_iterations = s.TotalIterations, job = s.Scheduler?.JobId, scheduler_state = s.Scheduler?.State, detail = s.Detail }));
                return 0;
            }
            Console.Write(SweepStatus.Table(plan, statuses));
            return 0;
        });
        return cmd;
    }

    static Command Collect()
    {
        var file = FileArgument();
        var metric = new Option<string?>("--metric") { Description = "the metric the plot shows (default: chamfer, else heldout_psnr, else train_psnr)" };
        var cmd = new Command("collect", "One table of every run's final metrics: results.csv, results.md and results.png (one bar per run) in the sweep's _sweep folder.") { file, metric };
        cmd.SetAction(parse =>
        {
            var plan = SweepPlan.Load(parse.GetValue(file)!);
            var r = SweepResults.Collect(plan, parse.GetValue(metric), SlurmExecutor.Query(plan));
            Console.Write(File.ReadAllText(r.Markdown));
            Console.WriteLine();
            Console.WriteLine($"wrote {r.Csv}, {r.Markdown}{(r.Plot is null ? "" : $", {r.Plot} ({r.PlotMetric})")}");
            return 0;
        });
        return cmd;
    }
}
