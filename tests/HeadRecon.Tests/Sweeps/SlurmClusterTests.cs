using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using HeadRecon.Sweeps;
using Xunit;
using Xunit.Abstractions;

namespace HeadRecon.Tests.Sweeps;

/// <summary>
/// A sweep on a real (single-node, private) Slurm cluster: stage 1, then a 4-task array after it (afterok); one task is
/// requeued mid-run (Slurm sends it SIGTERM: it checkpoints) and resumes from its checkpoint; all finish and collect
/// sees 4 results. Category Slurm: run by .ci/run on its own (it installs and starts Slurm), not by a plain dotnet test.
/// </summary>
[Collection("TinyHeads")]
[Trait("Category", "Slurm")]
public class SlurmClusterTests(TinyHeadsFixture heads, ITestOutputHelper output)
{
    [Fact]
    public void ArraySweepAfterStage1SurvivesARequeueAndCollectsFourResults()
    {
        var clock = Stopwatch.StartNew();
        using var dir = new TempDir();
        using var cluster = new SlurmCluster();
        var env = cluster.Environment;
        string sweep = TinySweep.Write(dir.Path, heads.Heads, iterations: 40, stage1Iterations: 2, seeds: "[1, 2]",
            extra: "slurm { partition = debug, cpus_per_task = 1, throttle = 2, time = \"00:20:00\" }");
        var plan = SweepPlan.Load(sweep);
        Assert.Equal(4, plan.Runs.Count);

        var submit = CliProcess.Run(["sweep", "run", sweep, "--slurm", "--device", "cpu"], env);
        Assert.True(submit.Code == 0, submit.Err + submit.Out);
        var subs = SlurmExecutor.Submissions(plan);
        Assert.Equal(new[] { "stage1", "array" }, subs.Select(s => s.Kind));
        Assert.Equal($"afterok:{subs[0].JobId}", subs[1].Dependency);
        string array = subs[1].JobId;
        output.WriteLine($"submitted in {clock.Elapsed.TotalSeconds:F0} s: stage 1 job {subs[0].JobId}, array {array}");

        // Requeue task 1 once it is well into its run: Slurm sends SIGTERM, the task checkpoints and exits 75, the job goes back to the queue.
        var run1 = plan.Runs[1];
        string metrics1 = Path.Combine(run1.Folder, "metrics.jsonl");
        WaitFor(() => TinySweep.LastIteration(metrics1) >= 5, TimeSpan.FromMinutes(6), "task 1 reaching iteration 5", cluster);
        var requeue = cluster.Command("scontrol", "requeue", $"{array}_1");
        Assert.True(requeue.Code == 0, requeue.Err);
        output.WriteLine($"requeued {array}_1 at iteration ≥ {TinySweep.LastIteration(metrics1)} after {clock.Elapsed.TotalSeconds:F0} s");
        WaitFor(() => SweepTask.ReadRecord(run1.Folder)?.Attempts[0].Outcome == "stopped", TimeSpan.FromMinutes(1), "task 1 stopping with a checkpoint", cluster);
        // Slurm holds a requeued batch job back for about two minutes (BeginTime); release it now.
        WaitFor(() => cluster.Command("scontrol", "update", $"JobId={array}_1", "StartTime=now").Code == 0, TimeSpan.FromMinutes(1), "releasing the requeued task", cluster);

        var status = CliProcess.Run(["sweep", "status", sweep], env);
        Assert.Equal(0, status.Code);
        output.WriteLine(status.Out);
        Assert.Contains($"{array}_", status.Out); // squeue's view is in the table

        WaitFor(() => plan.AllRuns.All(r => File.Exists(Path.Combine(r.Folder, SweepTask.ResultFile))), TimeSpan.FromMinutes(8), "every run finishing", cluster);
        output.WriteLine($"all done after {clock.Elapsed.TotalSeconds:F0} s");

        // The requeued task continued where SIGTERM stopped it, in a second Slurm attempt of the same array task.
        var record = SweepTask.ReadRecord(run1.Folder)!;
        Assert.Equal(2, record.Attempts.Count);
        var (first, second) = (record.Attempts[0], record.Attempts[1]);
        Assert.Equal("stopped", first.Outcome);
        Assert.InRange(first.EndIteration!.Value, 5, 39);
        Assert.Equal(first.EndIteration, second.StartIteration);
        Assert.Equal((0, 1), (first.SlurmRestartCount!.Value, second.SlurmRestartCount!.Value));
        Assert.Equal((array, "1"), (second.SlurmArrayJobId, second.SlurmArrayTaskId));
        Assert.Equal("done", second.Outcome);
        var its = File.ReadLines(metrics1).Select(l => JsonDocument.Parse(l).RootElement.GetProperty("iteration").GetInt32()).ToList();
        Assert.Equal(Enumerable.Range(1, 40), its);
        // Stage 2 waited for stage 1 (afterok): every task started after stage 1's result was written.
        var stage1Done = DateTime.Parse(SweepTask.ReadResult(plan.Stage1!.Folder)!.Finished, CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind);
        Assert.All(plan.Runs, r => Assert.True(DateTime.Parse(SweepTask.ReadRecord(r.Folder)!.Attempts[0].Started, CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind) > stage1Done, r.Name));
        Assert.All(plan.Runs.Where(r => r != run1), r => Assert.Single(SweepTask.ReadRecord(r.Folder)!.Attempts));

        var collect = CliProcess.Run(["sweep", "collect", sweep], env);
        Assert.True(collect.Code == 0, collect.Err + collect.Out);
        var rows = File.ReadAllLines(Path.Combine(plan.MetaDir, "results.csv")).Skip(1).Select(l => l.Split(',')).ToList();
        Assert.Equal(4, rows.Count);
        Assert.All(rows, r => Assert.Equal("done", r[2]));
        Assert.Equal(new[] { "101_seed1", "101_seed2", "102_seed1", "102_seed2" }, rows.Select(r => r[1]));

        var again = CliProcess.Run(["sweep", "run", sweep, "--slurm", "--device", "cpu"], env);
        Assert.Contains("nothing to submit", again.Out);
        Assert.True(cluster.Stop(), "processes of the cluster were left running");
        output.WriteLine($"Slurm test: {clock.Elapsed.TotalSeconds:F0} s");
    }

    static void WaitFor(Func<bool> condition, TimeSpan timeout, string what, SlurmCluster cluster)
    {
        var sw = Stopwatch.StartNew();
        while (!condition())
        {
            if (sw.Elapsed > timeout)
                throw new TimeoutException($"{what}: not within {timeout.TotalMinutes:F0} min\n{cluster.Command("squeue", "-t", "all").Out}\n{Tail(cluster.Log("slurmctld"))}");
            Thread.Sleep(250);
        }
    }

    static string Tail(string text) => string.Join('\n', text.Split('\n').TakeLast(20));

}
