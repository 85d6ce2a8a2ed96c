using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using HeadRecon.Config;
using HeadRecon.Sweeps;
using HeadRecon.Visualization;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;
using Xunit;

namespace HeadRecon.Tests.Sweeps;

/// <summary>Status from run folders (and a scheduler's view on top), and the results table, on folders written by hand.</summary>
public class SweepStatusTests
{
    static SweepPlan Plan(TempDir dir, string dims)
    {
        File.WriteAllText(dir["s.sweep"], $"name = t\nbase = {HoconScalar.Quote(TinySweep.Conf("quickstart_st2.conf"))}\nout = runs\n{dims}\n");
        return SweepPlan.Load(dir["s.sweep"]);
    }

    static void Attempts(SweepRun run, params TaskAttempt[] attempts)
    {
        Directory.CreateDirectory(run.Folder);
        File.WriteAllText(Path.Combine(run.Folder, SweepTask.TaskFile), JsonSerializer.Serialize(new TaskRecord("t", run.Name, run.Index, [.. attempts]), SweepTask.Json));
    }

    static void Result(SweepRun run, Dictionary<string, double> metrics)
    {
        Directory.CreateDirectory(run.Folder);
        File.WriteAllText(Path.Combine(run.Folder, SweepTask.ResultFile), JsonSerializer.Serialize(
            new RunResult("t", run.Name, run.Index, run.Settings.ToDictionary(s => s.Column, s => s.Value), 20, 20, 12.5, 2, metrics, null, "now"), SweepTask.Json));
    }

    static string Now => DateTime.UtcNow.ToString("O", CultureInfo.InvariantCulture);

    [Fact]
    public void StateComesFromTheFolderAndTheSchedulerWhereItKnowsBetter()
    {
        using var dir = new TempDir();
        var plan = Plan(dir, "identities = [a, b, c, d, e, f]");
        var r = plan.Runs;
        Attempts(r[1], new TaskAttempt { Started = Now, Host = "n1", Pid = 1, Outcome = "failed", Message = "boom" });
        Attempts(r[2], new TaskAttempt { Started = Now, Host = "n1", Pid = 1, Outcome = "stopped", EndIteration = 7 });
        Attempts(r[3], new TaskAttempt { Started = Now, Host = Environment.MachineName, Pid = Environment.ProcessId });
        File.WriteAllLines(Path.Combine(r[3].Folder, "metrics.jsonl"), Enumerable.Range(1, 12).Select(i => $"{{\"iteration\":{i},\"loss\":0.5}}"));
        using (var gone = Process.Start(new ProcessStartInfo("true") { UseShellExecute = false })!)
        {
            gone.WaitForExit();
            Attempts(r[4], new TaskAttempt { Started = Now, Host = Environment.MachineName, Pid = gone.Id }, new TaskAttempt { Started = Now, Host = Environment.MachineName, Pid = gone.Id });
        }
        Result(r[5], new() { ["chamfer"] = 0.1 });

        var s = SweepStatus.Read(plan);
        Assert.Equal(new[] { RunState.Pending, RunState.Failed, RunState.Pending, RunState.Running, RunState.Failed, RunState.Done }, s.Select(x => x.State));
        Assert.Contains("boom", s[1].Detail);
        Assert.Contains("stopped at iteration 7", s[2].Detail);
        Assert.Equal(12, s[3].Iteration);
        Assert.Contains("interrupted", s[4].Detail);
        Assert.Contains("attempt 2", s[4].Detail);
        Assert.Equal("20/20", s[5].Progress);

        var jobs = new Dictionary<int, SchedulerInfo>
        {
            [0] = new("9_0", "RUNNING"), [1] = new("9_1", "FAILED"), [4] = new("9_4", "PENDING", "BeginTime"), [5] = new("9_5", "FAILED"), [2] = new("9_2", "COMPLETED"),
        };
        var q = SweepStatus.Read(plan, jobs);
        Assert.Equal(new[] { RunState.Running, RunState.Failed, RunState.Failed, RunState.Running, RunState.Pending, RunState.Done }, q.Select(x => x.State));
        Assert.Contains("9_4 PENDING (BeginTime)", q[4].Detail);
        Assert.Contains("no result.json", q[2].Detail);
        string table = SweepStatus.Table(plan, q);
        Assert.StartsWith("sweep t: 6 runs — 1 done, 2 running, 1 pending, 2 failed\n", table);
    }

    [Fact]
    public void CollectWritesOneRowPerRunWithTheFinalMetricsAndABarChart()
    {
        using var dir = new TempDir();
        var plan = Plan(dir, "identities = [101, 102]\nvariants = [{ name = base }, { name = occ }]");
        Result(plan.Runs[0], new() { ["chamfer"] = 0.2, ["train_psnr"] = 20 });
        Result(plan.Runs[1], new() { ["chamfer"] = 0.1, ["train_psnr"] = 21 });
        Result(plan.Runs[3], new() { ["chamfer"] = 0.4, ["train_psnr"] = 19, ["fscore@1%diag"] = 0.5 });
        var c = SweepResults.Collect(plan);
        Assert.Equal("chamfer", c.PlotMetric);
        var lines = File.ReadAllLines(c.Csv);
        Assert.Equal("index,name,state,identity,variant,iterations,total_iterations,train_seconds,attempts,chamfer,fscore@1%diag,train_psnr,eval_error", lines[0]);
        Assert.Equal(5, lines.Length);
        Assert.Equal("0,101_base,done,101,base,20,20,12.5,2,0.2,,20,", lines[1]);
        Assert.Equal("2,102_base,pending,102,base,,,,,,,,", lines[3]);
        Assert.Equal("3,102_occ,done,102,occ,20,20,12.5,2,0.4,0.5,19,", lines[4]);
        string md = File.ReadAllText(c.Markdown);
        Assert.Contains("# Sweep t: 3 of 4 runs done", md);
        Assert.Contains("| 1 | 101_occ | done | 101 | occ | 20 | 20 | 12.5 | 2 | 0.1 |  | 21 |", md);
        Assert.DoesNotContain("eval_error", md);
        using var png = Image.Load<Rgb24>(c.Plot!);
        Assert.True(png.Width > 4 * 6);
        Assert.Contains("no run has it", Assert.Throws<ArgumentException>(() => SweepResults.Collect(plan, "psnr")).Message);
    }

    [Fact]
    public void BarHeightsAreProportionalToTheValues()
    {
        using var img = BarChart.Draw([1.0, 2.0, double.NaN, 0.5], groups: [0, 1, 0, 1], height: 200);
        // Each bar: the number of coloured pixels (not white, not black ink, not the grey stub of a missing value) in its columns.
        var bars = new List<(int Height, Rgb24 Colour)>();
        bool inBar = false;
        for (int x = 0; x < img.Width; x++)
        {
            int h = 0;
            Rgb24 colour = default;
            for (int y = 0; y < img.Height; y++)
            {
                var p = img[x, y];
                if (p.R == p.G && p.G == p.B) continue;
                h++;
                colour = p;
            }
            if (h > 0 && !inBar) bars.Add((h, colour));
            inBar = h > 0;
        }
        Assert.Equal(3, bars.Count); // the NaN bar is a grey stub
        Assert.InRange(bars[1].Height / (double)bars[0].Height, 1.95, 2.05);
        Assert.InRange(bars[2].Height / (double)bars[0].Height, 0.45, 0.55);
        Assert.NotEqual(bars[0].Colour, bars[1].Colour);
        Assert.Equal(bars[1].Colour, bars[2].Colour);
    }
}
