using System.Text;
using System.Text.Json;
using HeadRecon.Config;
using HeadRecon.IO;

namespace HeadRecon.Training;

/// <summary>
/// One folder per run: conf.conf (the resolved configuration, seed included), metrics.jsonl, checkpoints/latest.ckpt
/// (and previous.ckpt, the one before), snapshots/*.png and, later, meshes and evaluation results. One process at a
/// time writes into it: the holder of <see cref="AcquireWriterLock"/> (RUN/.lock), released when the folder is disposed
/// or the process ends.
/// </summary>
public sealed class RunFolder : IDisposable
{
    public string Root { get; }
    public string ConfFile => Path.Combine(Root, "conf.conf");
    public string MetricsFile => Path.Combine(Root, "metrics.jsonl");
    public string CheckpointDir => Path.Combine(Root, "checkpoints");
    public string LatestCheckpoint => Path.Combine(CheckpointDir, "latest.ckpt");
    public string PreviousCheckpoint => Path.Combine(CheckpointDir, "previous.ckpt");
    public string SnapshotDir => Path.Combine(Root, "snapshots");

    /// <summary>The writer lock while this object holds it.</summary>
    public RunLock? WriterLock { get; private set; }

    RunFolder(string root) => Root = Path.GetFullPath(root);

    /// <summary>Creates the run (taking its writer lock first, so of two concurrent starts one wins and the other writes nothing).</summary>
    public static RunFolder Create(string root, HeadConf conf)
    {
        var run = new RunFolder(root);
        if (File.Exists(run.Root)) throw new IOException($"{run.Root}: is a file, not a run folder; choose another --out");
        run.AcquireWriterLock();
        try
        {
            if (File.Exists(run.ConfFile))
                throw new IOException($"{run.Root}: already holds a run (conf.conf); use --resume {root} to continue it or choose another --out");
            CreateDirectory(run.CheckpointDir);
            CreateDirectory(run.SnapshotDir);
            AtomicFile.WriteAllText(run.ConfFile, ConfLoader.ToHocon(conf));
            return run;
        }
        catch
        {
            run.Dispose();
            throw;
        }
    }

    public static RunFolder Open(string root)
    {
        var run = new RunFolder(root);
        if (!File.Exists(run.ConfFile)) throw new FileNotFoundException($"{run.Root}: not a run folder (no conf.conf)", run.ConfFile);
        return run;
    }

    /// <summary>Takes the run's writer lock (once; later calls return the same lock) or fails naming the folder and the holder.
    /// Temp files left in the run by killed writers are removed once the lock is held.</summary>
    public RunLock AcquireWriterLock()
    {
        if (WriterLock is not null) return WriterLock;
        WriterLock = RunLock.Acquire(Root);
        foreach (var dir in new[] { Root, CheckpointDir, SnapshotDir, Path.Combine(Root, "meshes") }) AtomicFile.RemoveStaleTemps(dir);
        return WriterLock;
    }

    /// <summary>Deletes a run folder, under its writer lock so a run still training elsewhere is not pulled from under it.</summary>
    public static void Delete(string root)
    {
        if (!Directory.Exists(root)) return;
        using (RunLock.Acquire(root)) Directory.Delete(root, recursive: true);
    }

    public HeadConf LoadConf() => ConfLoader.Load(ConfFile);

    /// <summary>
    /// Cuts metrics.jsonl back to the records of iterations ≤ <paramref name="iteration"/> (a resumed run re-logs the
    /// rest), dropping a partial last line a kill may have left; returns how many lines were dropped.
    /// </summary>
    public int TruncateMetrics(int iteration)
    {
        if (!File.Exists(MetricsFile)) return 0;
        string text = File.ReadAllText(MetricsFile);
        var keep = new StringBuilder();
        int dropped = 0;
        var lines = text.Split('\n');
        for (int i = 0; i < lines.Length; i++)
        {
            string line = lines[i];
            if (line.Length == 0) continue;
            bool complete = i < lines.Length - 1; // the last piece has no newline after it: cut off mid-write
            if (complete && LoggedIteration(line) is int it && it <= iteration) keep.Append(line).Append('\n');
            else dropped++;
        }
        if (dropped > 0) AtomicFile.WriteAllText(MetricsFile, keep.ToString());
        return dropped;
    }

    static int? LoggedIteration(string line)
    {
        try
        {
            using var doc = JsonDocument.Parse(line);
            return doc.RootElement.TryGetProperty("iteration", out var it) && it.TryGetInt32(out int v) ? v : null;
        }
        catch (JsonException) { return null; }
    }

    static void CreateDirectory(string dir)
    {
        try { Directory.CreateDirectory(dir); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new IOException($"{dir}: cannot create the folder ({AtomicFile.Reason(e)})", e);
        }
    }

    public void Dispose()
    {
        WriterLock?.Dispose();
        WriterLock = null;
    }
}
