using System.CommandLine;
using System.Runtime.InteropServices;
using HeadRecon.Config;
using HeadRecon.Data;
using HeadRecon.IO;
using HeadRecon.Runtime;
using HeadRecon.Training;

namespace HeadRecon.Cli.Commands;

public static class TrainCommand
{
    public static Command Create()
    {
        var conf = new Option<string?>("--conf") { Description = "HOCON configuration (confs/face_st1.conf, …)" };
        var set = new Option<string[]>("--set") { Description = "override a key: --set model.num_identity=31 (repeatable)", AllowMultipleArgumentsPerToken = false };
        var data = new Option<string?>("--data") { Description = "dataset folder (overrides dataset.data_dir)" };
        var output = new Option<string?>("--out") { Description = "run folder to create (default runs/<expname>-<time>)" };
        var resume = new Option<string?>("--resume") { Description = "continue the run in this folder from its last checkpoint" };
        var initFrom = new Option<string?>("--init-from") { Description = "checkpoint or run whose parameters initialise this run by name (stage 2 from stage 1)" };
        var iterations = new Option<int?>("--iterations") { Description = "stop after this many iterations in this invocation (the run can be resumed)" };
        var device = CliOptions.Device();
        var cmd = new Command("train", "Train stage 1 (all identities) or stage 2 (one person), as the configuration says.")
        {
            conf, set, data, output, resume, initFrom, iterations, device,
        };
        cmd.SetAction(parse =>
        {
            int? more = parse.GetValue(iterations);
            if (more is <= 0) throw new ArgumentException($"--iterations: must be ≥ 1, got {more}");
            string? resumeDir = parse.GetValue(resume);
            if (resumeDir is not null)
            {
                // The run continues with its saved conf.conf: options that would change it are refused, not ignored.
                var refused = new (string Name, bool Given)[]
                {
                    ("--conf", parse.GetValue(conf) is not null), ("--set", (parse.GetValue(set) ?? []).Length > 0),
                    ("--data", parse.GetValue(data) is not null), ("--out", parse.GetValue(output) is not null),
                    ("--init-from", parse.GetValue(initFrom) is not null),
                }.Where(o => o.Given).Select(o => o.Name).ToList();
                if (refused.Count > 0)
                    throw new ArgumentException($"train --resume {resumeDir}: {string.Join(", ", refused)} cannot be combined with --resume (the run continues with its saved conf.conf; " +
                                                "only --iterations and --device apply); start a new run with --conf … --init-from RUN to change it");
            }
            // Registered before the (possibly long) data loading, so an early SIGTERM still ends with a checkpoint.
            using var stop = new StopSignal();
            var dev = TorchRuntime.ResolveDevice(parse.GetValue(device)!);
            Trainer trainer;
            ITrainingData trainingData;
            if (resumeDir is not null)
            {
                var run = RunFolder.Open(resumeDir);
                trainingData = DatasetTrainingData.Open(run.LoadConf());
                PrintDatasetNotes(trainingData);
                trainer = Trainer.Resume(resumeDir, trainingData, dev);
                foreach (var note in trainer.ResumeNotes) Console.WriteLine($"note: {note}");
                Console.WriteLine($"resuming {trainer.Run.Root} at iteration {trainer.Iteration}/{trainer.TotalIterations} on device {dev.type}" +
                                  (more is int k ? $", for at most {k} more iterations (--iterations)" : ""));
            }
            else
            {
                string? confPath = parse.GetValue(conf) ?? throw new ArgumentException("train: give --conf FILE (or --resume RUN)");
                var overrides = (parse.GetValue(set) ?? []).ToList();
                if (parse.GetValue(data) is string d) overrides.Add($"dataset.data_dir=\"{d}\"");
                if (parse.GetValue(initFrom) is string init) overrides.Add($"train.init_checkpoint=\"{init}\"");
                var c = ConfLoader.Load(confPath, overrides);
                // Everything that can fail on input is checked before the run folder is created.
                trainingData = DatasetTrainingData.Open(c);
                PrintDatasetNotes(trainingData);
                if (!string.IsNullOrWhiteSpace(c.Train.InitCheckpoint)) Checkpoint.Read(Checkpoint.Resolve(c.Train.InitCheckpoint));
                string outDir = parse.GetValue(output) ?? Path.Combine("runs", $"{c.Train.ExpName}-{DateTime.Now:yyyyMMdd-HHmmss}");
                trainer = Trainer.Start(c, trainingData, outDir, dev);
                // The run keeps the alignment it trained with, so meshing it later needs no scene folder edits.
                if (AlignmentFile.Resolve(c.Dataset) is { } alignment)
                    AtomicFile.WriteAllBytes(Path.Combine(trainer.Run.Root, AlignmentFile.FileName), File.ReadAllBytes(alignment));
                Console.WriteLine($"run {trainer.Run.Root}: {trainer.TotalIterations} iterations, {trainingData.ViewCount} images, {trainingData.NumIdentities} identities, device {dev.type}");
                if (trainer.InitReport is { } rep)
                    Console.WriteLine($"initialised from {c.Train.InitCheckpoint}: {rep.Loaded.Count} tensors loaded; new: {Summarize(rep.Missing)}; dropped: {Summarize(rep.Unexpected)}");
            }
            using (trainer)
            {
                trainer.OnSnapshot = t => Snapshots.Write(t, trainingData);
                var progress = new ConsoleProgress();
                trainer.Train(progress, more, stop.Token);
                if (stop.Received is { } signal)
                {
                    Console.WriteLine($"stopped by {signal} at iteration {trainer.Iteration}/{trainer.TotalIterations}: checkpoint {trainer.Run.LatestCheckpoint}; continue with --resume {trainer.Run.Root}");
                    return signal == PosixSignal.SIGINT ? 130 : 143;
                }
                Console.WriteLine($"checkpoint {trainer.Run.LatestCheckpoint} at iteration {trainer.Iteration}");
            }
            return 0;
        });
        return cmd;
    }

    static void PrintDatasetNotes(ITrainingData data)
    {
        if (data is DatasetTrainingData d)
            foreach (var note in d.Dataset.Notes) Console.WriteLine($"warning: {note}");
    }

    static string Summarize(IReadOnlyList<string> names) =>
        names.Count == 0 ? "none" : string.Join(", ", names.Select(n => n.Split('.')[0]).Distinct()) + $" ({names.Count} tensors)";
}

/// <summary>Writes one progress line per report (iteration, losses, PSNR, β, lr, ETA).</summary>
public sealed class ConsoleProgress : IProgress<TrainingProgress>
{
    public void Report(TrainingProgress value) => Console.WriteLine(value.Describe());
}

/// <summary>
/// SIGTERM (Slurm's preemption and time limit, kill) and SIGINT (Ctrl-C) ask training to stop after the current
/// iteration and write a checkpoint. A second Ctrl-C ends the process at once; a repeated SIGTERM is ignored, since a
/// scheduler may deliver it to every process of the job (the relaunching parent forwards its copy too) and sends
/// SIGKILL itself when its grace time is over.
/// </summary>
public sealed class StopSignal : IDisposable
{
    readonly CancellationTokenSource _cts = new();
    readonly PosixSignalRegistration[] _registrations;

    public StopSignal()
    {
        _registrations = [PosixSignalRegistration.Create(PosixSignal.SIGTERM, Handle), PosixSignalRegistration.Create(PosixSignal.SIGINT, Handle)];
    }

    public CancellationToken Token => _cts.Token;

    /// <summary>The first signal received, if any.</summary>
    public PosixSignal? Received { get; private set; }

    void Handle(PosixSignalContext context)
    {
        if (Received is not null)
        {
            // A second Ctrl-C: default handling terminates the process.
            context.Cancel = !(context.Signal == PosixSignal.SIGINT && Received == PosixSignal.SIGINT);
            return;
        }
        Received = context.Signal;
        context.Cancel = true;
        Console.Error.WriteLine($"headrecon: {context.Signal} received: stopping after this iteration and writing a checkpoint" + (context.Signal == PosixSignal.SIGINT ? " (Ctrl-C again to stop at once)" : ""));
        _cts.Cancel();
    }

    public void Dispose()
    {
        foreach (var r in _registrations) r.Dispose();
        _cts.Dispose();
    }
}
