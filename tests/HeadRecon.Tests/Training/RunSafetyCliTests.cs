using HeadRecon.Training;
using Xunit;
using static HeadRecon.Tests.Training.CliRunTests;
using static TorchSharp.torch;

namespace HeadRecon.Tests.Training;

/// <summary>
/// The hostile-but-fair cases of issue 11 through the command line: bad counts and paths, resume arguments, a second
/// writer, a full disk, permissions. Each must end with exit 2, one line naming the file or option, and no temp file.
/// </summary>
[Collection("TinyHeads")]
public class RunSafetyCliTests(TinyHeadsFixture heads)
{
    string[] Train(string outDir, int iterations, params string[] extra) => TrainArgs(heads, outDir, iterations, extra);

    static void AssertOneLine(CliResult r, params string[] mentions)
    {
        Assert.True(r.Code == 2, r.ToString());
        Assert.True(r.ErrLines.Length == 1, "expected one line on stderr: " + r);
        Assert.StartsWith("headrecon: ", r.ErrLines[0]);
        foreach (var m in mentions) Assert.Contains(m, r.Err);
    }

    /// <summary>A run folder with its conf.conf and no checkpoint, as a start killed before its first checkpoint leaves it.</summary>
    string NewRunFolder(string dir)
    {
        RunFolder.Create(dir, heads.Stage1(400)).Dispose();
        return dir;
    }

    [Fact]
    public void BadCountsAndPathsAreRejectedBeforeAnythingIsWritten()
    {
        using var dir = new TempDir();
        foreach (var k in new[] { "0", "-3" })
        {
            AssertOneLine(CliProcess.Run([.. Train(dir["r"], 4), "--iterations", k]), "--iterations", k);
            Assert.False(Directory.Exists(dir["r"]));
        }
        AssertOneLine(CliProcess.Run(Train(dir["r"], -5)), "train.max_iterations", "-5");
        Assert.False(Directory.Exists(dir["r"]));
        File.WriteAllText(dir["file"], "");
        AssertOneLine(CliProcess.Run(Train(dir["file"], 4)), dir["file"], "is a file");

        // expname names the default run folder runs/<expname>-<time>: a path must not write outside runs/.
        var args = Train(dir["unused"], 4, "train.expname=\"../../x\"").ToList();
        int o = args.IndexOf("--out");
        args.RemoveRange(o, 2);
        string cwd = Directory.CreateDirectory(dir["work/a/b"]).FullName;
        var escape = CliProcess.Start(args, workingDirectory: cwd).Finish();
        AssertOneLine(escape, "train.expname", "../../x");
        Assert.Equal([cwd], Directory.GetDirectories(dir["work/a"]).Select(Path.GetFullPath));
        Assert.Empty(Directory.GetFileSystemEntries(cwd));
    }

    [Fact]
    public void ResumeRefusesOptionsItWouldIgnoreAndSaysWhatItDoesWithoutACheckpoint()
    {
        using var dir = new TempDir();
        string run = NewRunFolder(dir["run"]);
        AssertOneLine(CliProcess.Run("train", "--resume", run, "--set", "train.seed=3"), "--set", "--resume");
        var many = CliProcess.Run("train", "--resume", run, "--conf", "x.conf", "--data", dir.Path, "--out", dir["o"], "--init-from", dir["i"]);
        AssertOneLine(many, "--conf", "--data", "--out", "--init-from");
        Assert.False(Directory.Exists(dir["o"]));

        // No checkpoint yet (and metrics of an earlier attempt that got no further): restart from 0, say so, log each iteration once.
        File.WriteAllText(Path.Combine(run, "metrics.jsonl"), "{\"iteration\":1,\"loss\":9}\n{\"iteration\":2,\"loss\":9}\n{\"iteration\":3,\"lo");
        var r = CliProcess.Run("train", "--resume", run, "--iterations", "2", "--device", "cpu");
        Assert.True(r.Code == 0, r.ToString());
        Assert.Contains("no checkpoint yet; starting the run from iteration 0", r.Out);
        Assert.Contains("3 line(s) after iteration 0 dropped", r.Out);
        Assert.Contains($"resuming {run} at iteration 0/400 on device CPU, for at most 2 more iterations (--iterations)", r.Out);
        Assert.Equal([1, 2], LoggedIterations(run));
        Assert.Equal(2, Checkpoint.ReadMeta(Path.Combine(run, "checkpoints", "latest.ckpt")).Iteration);
    }

    [Fact]
    public void ASecondWriterGetsOneLineNamingTheHolder()
    {
        using var dir = new TempDir();
        string run = NewRunFolder(dir["run"]);
        // A writer on another machine of the cluster, as its lock file describes it, holding the lock (flock(1)).
        string lockFile = Path.Combine(run, RunLock.FileName);
        File.WriteAllText(lockFile, "pid 4242 on host node17 since 2026-01-01 00:00:00 UTC: train --conf x.conf\n");
        using (var holder = System.Diagnostics.Process.Start("flock", ["--exclusive", lockFile, "sleep", "120"]))
        {
            Thread.Sleep(300);
            try
            {
                AssertOneLine(CliProcess.Run("train", "--resume", run, "--iterations", "1", "--device", "cpu"), run, "another process is writing", "pid 4242 on host node17");
                AssertOneLine(CliProcess.Run(Train(run, 4)), run, "pid 4242 on host node17");
            }
            finally
            {
                holder.Kill(entireProcessTree: true); // flock and the command it runs, which inherits the locked descriptor
                holder.WaitForExit();
            }
        }
        // The holder is gone: the next writer takes over and says the previous one did not release the lock.
        var r = CliProcess.Run("train", "--resume", run, "--iterations", "1", "--device", "cpu");
        Assert.True(r.Code == 0, r.ToString());
        Assert.Contains("the previous writer (pid 4242 on host node17 since 2026-01-01 00:00:00 UTC) did not exit cleanly", r.Out);
        Assert.Equal(0, new FileInfo(lockFile).Length);
    }

    [Fact]
    public void OfTwoConcurrentStartsOneTrainsAndTheOtherWritesNothing()
    {
        using var dir = new TempDir();
        string run = dir["run"];
        var first = CliProcess.Start(Train(run, 4));
        var second = CliProcess.Start(Train(run, 4));
        var results = new[] { first.Finish(), second.Finish() };
        Assert.Single(results, r => r.Code == 0);
        var loser = Assert.Single(results, r => r.Code != 0);
        AssertOneLine(loser, run);
        Assert.True(loser.Err.Contains("another process is writing") || loser.Err.Contains("already holds a run"), loser.ToString());
        Assert.Equal([1, 2, 3, 4], LoggedIterations(run));
        Assert.Empty(TempFiles(run));
    }

    [Fact]
    public void AFullDiskIsOneLineAndLeavesNoTempFile()
    {
        using var dir = new TempDir();
        // Room for conf, metrics and one tiny checkpoint (~0.54 MB), not for a second one beside it.
        using var disk = FaultInjection.Tmpfs(dir["disk"], "900k");
        string run = Path.Combine(dir["disk"], "run");
        var r = CliProcess.Run(Train(run, 12));
        AssertOneLine(r, Path.Combine(run, "checkpoints", "latest.ckpt"), "No space left on device");
        Assert.Empty(TempFiles(dir["disk"]));
        Assert.Equal(4, Checkpoint.ReadMeta(Path.Combine(run, "checkpoints", "latest.ckpt")).Iteration); // the last good one, intact
        // Resuming fails the same way, not worse: no temp file keeps the disk full.
        var again = CliProcess.Run("train", "--resume", run, "--device", "cpu");
        AssertOneLine(again, "latest.ckpt", "No space left on device");
        Assert.Contains("resuming", again.Out);
        Assert.Empty(TempFiles(dir["disk"]));
    }

    [Fact]
    public void PermissionErrorsAreOneLine()
    {
        FaultInjection.RequireRoot("a permission test");
        using var dir = new TempDir();
        FaultInjection.WritableByAll(dir.Path);
        // An output folder the user may not write into.
        string locked = Directory.CreateDirectory(dir["locked"]).FullName;
        var noWrite = CliProcess.Start(Train(Path.Combine(locked, "run"), 4), asUser: FaultInjection.Nobody).Finish();
        AssertOneLine(noWrite, Path.Combine(locked, "run"), "permission denied");
        Assert.Empty(Directory.GetFileSystemEntries(locked));

        // An unreadable image.
        string data = dir["heads"];
        Fixtures.CopyDirectory(heads.Heads, data);
        string image = Path.Combine(data, "101", "15.png"); // the frontal view: in every view selection
        FaultInjection.Chmod("000", image);
        var noRead = CliProcess.Start([.. Train(FaultInjection.WritableByAll(dir["out"]) + "/run", 4), "--data", data], asUser: FaultInjection.Nobody).Finish();
        AssertOneLine(noRead, image, "permission denied");
        Assert.False(Directory.Exists(dir["out/run"]));

        // mesh --out into a folder the user may not write into.
        string trained = dir["trained"];
        var conf = heads.Stage1(1);
        using (var t = Trainer.Start(conf, DatasetTrainingData.Open(conf), trained, CPU)) t.Train();
        var mesh = CliProcess.Start(["mesh", trained, "--res", "16", "--out", Path.Combine(locked, "m.ply")], asUser: FaultInjection.Nobody).Finish();
        AssertOneLine(mesh, Path.Combine(locked, "m.ply"), "permission denied");
        Assert.Empty(Directory.GetFileSystemEntries(locked));
    }

    [Fact]
    public void AGarbageImageIsOneLine()
    {
        using var dir = new TempDir();
        string data = dir["heads"];
        Fixtures.CopyDirectory(heads.Heads, data);
        string image = Path.Combine(data, "102", "15.png");
        File.WriteAllBytes(image, [.. "garbage, not a PNG"u8]);
        AssertOneLine(CliProcess.Run([.. Train(dir["run"], 4), "--data", data]), image, "not an image");
        Assert.False(Directory.Exists(dir["run"]));
    }
}
