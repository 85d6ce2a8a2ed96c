using System.CommandLine;
using HeadRecon.Config;
using HeadRecon.Runtime;
using HeadRecon.Training;
using HeadRecon.Visualization;

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
            var dev = TorchRuntime.ResolveDevice(parse.GetValue(device)!);
            Trainer trainer;
            ITrainingData trainingData;
            string? resumeDir = parse.GetValue(resume);
            if (resumeDir is not null)
            {
                var run = RunFolder.Open(resumeDir);
                trainingData = DatasetTrainingData.Open(run.LoadConf());
                trainer = Trainer.Resume(resumeDir, trainingData, dev);
                Console.WriteLine($"resuming {run.Root} at iteration {trainer.Iteration}/{trainer.TotalIterations}");
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
                string outDir = parse.GetValue(output) ?? Path.Combine("runs", $"{c.Train.ExpName}-{DateTime.Now:yyyyMMdd-HHmmss}");
                trainer = Trainer.Start(c, trainingData, outDir, dev);
                // The run keeps the alignment it trained with, so meshing it later needs no scene folder edits.
                if (HeadRecon.Alignment.AlignmentFile.Resolve(c.Dataset) is { } alignment)
                    File.Copy(alignment, Path.Combine(trainer.Run.Root, HeadRecon.Alignment.AlignmentFile.FileName), overwrite: true);
                Console.WriteLine($"run {trainer.Run.Root}: {trainer.TotalIterations} iterations, {trainingData.ViewCount} images, {trainingData.NumIdentities} identities, device {dev.type}");
                if (trainer.InitReport is { } rep)
                    Console.WriteLine($"initialised from {c.Train.InitCheckpoint}: {rep.Loaded.Count} tensors loaded; new: {Summarize(rep.Missing)}; dropped: {Summarize(rep.Unexpected)}");
            }
            using (trainer)
            {
                trainer.OnSnapshot = t => Snapshots.Write(t, trainingData);
                var progress = new ConsoleProgress();
                trainer.Train(progress, parse.GetValue(iterations));
                Console.WriteLine($"checkpoint {trainer.Run.LatestCheckpoint} at iteration {trainer.Iteration}");
            }
            return 0;
        });
        return cmd;
    }

    static string Summarize(IReadOnlyList<string> names) =>
        names.Count == 0 ? "none" : string.Join(", ", names.Select(n => n.Split('.')[0]).Distinct()) + $" ({names.Count} tensors)";
}

/// <summary>Writes one progress line per report (iteration, losses, PSNR, β, lr, ETA).</summary>
public sealed class ConsoleProgress : IProgress<TrainingProgress>
{
    public void Report(TrainingProgress value) => Console.WriteLine(value.Describe());
}
