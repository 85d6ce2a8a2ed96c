using System.Globalization;
using HeadRecon.Config;
using HeadRecon.IO;
using static TorchSharp.torch;

namespace HeadRecon.Training;

/// <summary>
/// One training stage in its run folder, trained to its end or for a wall-time budget, reusing what is already there:
/// the step the comparisons and the own-capture notebook take for each stage.
/// </summary>
public static class StageRun
{
    /// <summary>The marker a budgeted run writes when it spent its budget: the seconds it trained.</summary>
    public const string BudgetSpentFile = "train_seconds.txt";

    /// <summary>A stage trained by its iterations, resumed if interrupted; the seconds are the checkpoint's (summed over resumes).</summary>
    public static (int Iterations, double Seconds) ToEnd(HeadConf conf, string dir, Device device, IProgress<TrainingProgress>? progress = null)
    {
        var data = DatasetTrainingData.Open(conf);
        bool exists = File.Exists(Path.Combine(dir, "conf.conf"));
        using var trainer = exists ? Trainer.Resume(dir, data, device) : Trainer.Start(conf, data, dir, device);
        if (trainer.Iteration < trainer.TotalIterations) trainer.Train(progress);
        return (trainer.Iteration, trainer.TrainSeconds);
    }

    /// <summary>
    /// A run with a wall-time budget (train.max_seconds), or the one that already spent it with this configuration.
    /// An interrupted budget cannot be resumed fairly (the clock restarts), so a cut run, or one of another
    /// configuration, is trained again. The marker is written atomically, since a half-written one would read as a
    /// finished run.
    /// </summary>
    public static (int Iterations, double Seconds) ForBudget(HeadConf conf, string dir, Device device, IProgress<TrainingProgress>? progress = null,
        Action<string>? log = null)
    {
        string done = Path.Combine(dir, BudgetSpentFile);
        if (File.Exists(done) && ConfLoader.Differences(RunFolder.Open(dir).LoadConf(), conf).Count == 0)
        {
            var meta = Checkpoint.ReadMeta(RunFolder.Open(dir).LatestCheckpoint);
            return (meta.Iteration, double.Parse(File.ReadAllText(done), CultureInfo.InvariantCulture));
        }
        if (File.Exists(Path.Combine(dir, "conf.conf")))
        {
            log?.Invoke(File.Exists(done) ? $"{dir} was trained with another configuration; training it again" : $"{dir} was interrupted; training it again");
            RunFolder.Delete(dir);
        }
        var data = DatasetTrainingData.Open(conf);
        using var trainer = Trainer.Start(conf, data, dir, device);
        trainer.Train(progress);
        AtomicFile.WriteAllText(done, trainer.TrainSeconds.ToString("R", CultureInfo.InvariantCulture));
        return (trainer.Iteration, trainer.TrainSeconds);
    }
}
