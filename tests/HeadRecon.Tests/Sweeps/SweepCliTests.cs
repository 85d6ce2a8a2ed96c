using System.Diagnostics;
using System.Text.Json;
using HeadRecon.Sweeps;
using HeadRecon.Training;
using Xunit;

namespace HeadRecon.Tests.Sweeps;

/// <summary>`headrecon sweep` as a user runs it on one machine: a local sweep after stage 1, SIGTERM → checkpoint → resume, dry runs, bad files.</summary>
[Collection("TinyHeads")]
public class SweepCliTests(TinyHeadsFixture heads)
{
    [Fact]
    public void LocalSweepTrainsStage1ThenEveryRunEvaluatesAndCollects()
    {
        using var dir = new TempDir();
        string sweep = TinySweep.Write(dir.Path, heads.Heads, iterations: 6, stage1Iterations: 4,
            extra: $"evaluate {{ gt = \"{{data_dir}}/gt/{{id}}.ply\", resolution = 24, views = 1, samples = 2000 }}");
        var run = CliProcess.Run(["sweep", "run", sweep, "--local", "-j", "2", "--device", "cpu"], null);
        Assert.True(run.Code == 0, run.Err + run.Out);
        Assert.Contains("started stage1", run.Out);
        Assert.True(run.Out.IndexOf("stage1: done", StringComparison.Ordinal) < run.Out.IndexOf("started 101", StringComparison.Ordinal), run.Out);

        var plan = SweepPlan.Load(sweep);
        Assert.All(plan.AllRuns, r => Assert.True(File.Exists(Path.Combine(r.Folder, SweepTask.ResultFile)), r.Name));
        // Stage 2 started from stage 1: its first checkpointed parameters came through init_checkpoint.
        Assert.Equal(plan.Stage1!.Folder, RunFolder.Open(plan.Runs[0].Folder).LoadConf().Train.InitCheckpoint);
        Assert.Equal(6, Checkpoint.ReadMeta(Path.Combine(plan.Runs[1].Folder, "checkpoints", "latest.ckpt")).Iteration);
        Assert.True(File.Exists(Path.Combine(plan.Runs[1].Folder, "mesh.ply")));

        var status = CliProcess.Run(["sweep", "status", sweep, "--json"], null);
        Assert.Equal(0, status.Code);
        var states = status.Out.Trim().Split('\n').Select(l => JsonDocument.Parse(l).RootElement.GetProperty("state").GetString()).ToList();
        Assert.Equal(new[] { "done", "done", "done" }, states);

        var collect = CliProcess.Run(["sweep", "collect", sweep], null);
        Assert.True(collect.Code == 0, collect.Err + collect.Out);
        var csv = File.ReadAllLines(Path.Combine(plan.MetaDir, "results.csv"));
        Assert.Equal(3, csv.Length);
        var header = csv[0].Split(',').ToList();
        foreach (var col in new[] { "chamfer", "fscore@1%diag", "heldout_psnr", "train_psnr", "train_loss" }) Assert.Contains(col, header);
        int chamfer = header.IndexOf("chamfer");
        Assert.All(csv.Skip(1), row => Assert.True(double.Parse(row.Split(',')[chamfer], System.Globalization.CultureInfo.InvariantCulture) > 0, row));
        Assert.True(File.Exists(Path.Combine(plan.MetaDir, "results.png")));

        // Everything done: a second run trains nothing.
        var stamp = File.GetLastWriteTimeUtc(Path.Combine(plan.Runs[0].Folder, SweepTask.ResultFile));
        var again = CliProcess.Run(["sweep", "run", sweep, "--local", "--device", "cpu"], null);
        Assert.True(again.Code == 0, again.Err + again.Out);
        Assert.Contains("3 run(s) already done", again.Out);
        Assert.Equal(stamp, File.GetLastWriteTimeUtc(Path.Combine(plan.Runs[0].Folder, SweepTask.ResultFile)));
    }

    [Fact]
    public void SigtermStopsATaskWithACheckpointAndTheNextAttemptContinuesFromIt()
    {
        using var dir = new TempDir();
        string sweep = TinySweep.Write(dir.Path, heads.Heads, iterations: 24, stage1Iterations: 2);
        var plan = SweepPlan.Load(sweep);
        var st1 = CliProcess.Run(["sweep", "task", sweep, "--name", "stage1", "--device", "cpu"], null);
        Assert.True(st1.Code == 0, st1.Err + st1.Out);
        // A stage-2 task without its stage 1 would have been refused; this one has it. Run index 0 from the environment, as an array task does.
        string folder = plan.Runs[0].Folder;
        string metrics = Path.Combine(folder, "metrics.jsonl");
        int stoppedAt;
        var p = CliProcess.Start(["sweep", "task", sweep, "--plan", plan.Hash, "--device", "cpu"], environment: new Dictionary<string, string> { ["SLURM_ARRAY_TASK_ID"] = "0" });
        var sw = Stopwatch.StartNew();
        while (TinySweep.LastIteration(metrics) < 5 && !p.HasExited && sw.Elapsed < TimeSpan.FromMinutes(3)) Thread.Sleep(100);
        Assert.False(p.HasExited, "the task ended before iteration 5");
        p.Signal(15);
        var stopped = p.Finish(60_000);
        Assert.True(stopped.Code == SlurmExecutor.StoppedExitCode, stopped.ToString());
        Assert.Contains("SIGTERM: stopping after this iteration with a checkpoint", stopped.Out);
        stoppedAt = TinySweep.LastIteration(metrics);
        // The only checkpoint of this run is the one SIGTERM wrote (checkpoint_iters is beyond the run), at the last logged iteration.
        Assert.InRange(stoppedAt, 5, 23);
        Assert.Equal(stoppedAt, Checkpoint.ReadMeta(Path.Combine(folder, "checkpoints", "latest.ckpt")).Iteration);
        var status = CliProcess.Run(["sweep", "status", sweep], null);
        Assert.Matches($@"\n0 +101 +pending +{stoppedAt}/24 +stopped at iteration {stoppedAt}", status.Out);

        var resumed = CliProcess.Run(["sweep", "task", sweep, "--index", "0", "--device", "cpu"], null, timeoutMs: 600_000);
        Assert.True(resumed.Code == 0, resumed.Err + resumed.Out);
        Assert.Contains($"resuming at iteration {stoppedAt}/24", resumed.Out);
        var record = SweepTask.ReadRecord(folder)!;
        Assert.Equal(2, record.Attempts.Count);
        Assert.Equal(("stopped", stoppedAt), (record.Attempts[0].Outcome, record.Attempts[0].EndIteration!.Value));
        Assert.Equal("0", record.Attempts[0].SlurmArrayTaskId);
        Assert.Equal((stoppedAt, "done", 24), (record.Attempts[1].StartIteration, record.Attempts[1].Outcome, record.Attempts[1].EndIteration!.Value));
        // The log continues: iterations 1…24, each once.
        var its = File.ReadLines(metrics).Select(l => JsonDocument.Parse(l).RootElement.GetProperty("iteration").GetInt32()).ToList();
        Assert.Equal(Enumerable.Range(1, 24), its);
        Assert.Equal(2, SweepTask.ReadResult(folder)!.Attempts);
    }


    [Fact]
    public void DryRunsPrintTheScriptsAndWriteNothing()
    {
        using var dir = new TempDir();
        string sweep = TinySweep.Write(dir.Path, heads.Heads, iterations: 6, seeds: "[1, 2]", extra: "slurm { partition = debug, throttle = 2 }\nk8s { image = \"reg/headrecon:1\" }");
        var plan = SweepPlan.Load(sweep);
        var slurm = CliProcess.Run(["sweep", "run", sweep, "--slurm", "--dry-run", "--time", "01:00:00"], null);
        Assert.True(slurm.Code == 0, slurm.Err + slurm.Out);
        Assert.Contains("#SBATCH --array=0-3%2\n", slurm.Out);
        Assert.Contains("#SBATCH --time=01:00:00\n", slurm.Out);
        Assert.Contains("#SBATCH --partition=debug\n", slurm.Out);
        Assert.Contains("--dependency=afterok:<stage-1 job>", slurm.Out);
        Assert.Contains("#SBATCH --job-name=tiny-stage1\n", slurm.Out);
        var k8s = CliProcess.Run(["sweep", "run", sweep, "--emit", "k8s", "--dry-run"], null);
        Assert.True(k8s.Code == 0, k8s.Err + k8s.Out);
        Assert.Contains("completionMode: \"Indexed\"", k8s.Out);
        Assert.False(Directory.Exists(plan.Spec.OutDir));

        var listed = CliProcess.Run(["sweep", "plan", sweep], null);
        Assert.Contains("sweep tiny: 4 runs", listed.Out);
        Assert.Contains("101_seed2", listed.Out);
    }

    [Fact]
    public void BadSweepFilesAndMisuseFailWithOneLine()
    {
        using var dir = new TempDir();
        File.WriteAllText(dir["bad.sweep"], $"base = {TinySweep.Conf("quickstart_st2.conf")}\nseeds = [1, 2\n");
        var bad = CliProcess.Run(["sweep", "plan", dir["bad.sweep"]], null);
        Assert.Equal(2, bad.Code);
        Assert.Contains("bad.sweep:", bad.Err);
        Assert.Single(bad.Err.Trim().Split('\n'));

        string sweep = TinySweep.Write(dir.Path, heads.Heads, iterations: 6);
        var noMode = CliProcess.Run(["sweep", "run", sweep], null);
        Assert.Equal(2, noMode.Code);
        Assert.Contains("choose one of --local, --slurm or --emit k8s", noMode.Err);
        var noIndex = CliProcess.Run(["sweep", "task", sweep], null);
        Assert.Equal(2, noIndex.Code);
        Assert.Contains("give --index I or --name NAME", noIndex.Err);
        var early = CliProcess.Run(["sweep", "task", sweep, "--index", "1"], null);
        Assert.Equal(2, early.Code);
        Assert.Contains("stage 1", early.Err);
        Assert.Contains("has not finished", early.Err);
        var changed = CliProcess.Run(["sweep", "task", sweep, "--index", "1", "--plan", "00000000"], null);
        Assert.Equal(2, changed.Code);
        Assert.Contains("the sweep changed since it was submitted", changed.Err);
        Assert.False(Directory.Exists(Path.Combine(dir.Path, "runs", "102")));
    }
}
