using HeadRecon.Config;

namespace HeadRecon.Training;

/// <summary>
/// One folder per run: conf.conf (the resolved configuration, seed included), metrics.jsonl, checkpoints/latest.ckpt,
/// snapshots/*.png and, later, meshes and evaluation results.
/// </summary>
public sealed class RunFolder
{
    public string Root { get; }
    public string ConfFile => Path.Combine(Root, "conf.conf");
    public string MetricsFile => Path.Combine(Root, "metrics.jsonl");
    public string CheckpointDir => Path.Combine(Root, "checkpoints");
    public string LatestCheckpoint => Path.Combine(CheckpointDir, "latest.ckpt");
    public string SnapshotDir => Path.Combine(Root, "snapshots");

    RunFolder(string root) => Root = Path.GetFullPath(root);

    public static RunFolder Create(string root, HeadConf conf)
    {
        var run = new RunFolder(root);
        if (File.Exists(run.ConfFile))
            throw new IOException($"{run.Root}: already holds a run (conf.conf); use --resume {root} to continue it or choose another --out");
        Directory.CreateDirectory(run.CheckpointDir);
        Directory.CreateDirectory(run.SnapshotDir);
        string tmp = run.ConfFile + ".tmp";
        File.WriteAllText(tmp, ConfLoader.ToHocon(conf));
        File.Move(tmp, run.ConfFile);
        return run;
    }

    public static RunFolder Open(string root)
    {
        var run = new RunFolder(root);
        if (!File.Exists(run.ConfFile)) throw new FileNotFoundException($"{run.Root}: not a run folder (no conf.conf)", run.ConfFile);
        return run;
    }

    public HeadConf LoadConf() => ConfLoader.Load(ConfFile);
}
