using System.Diagnostics;
using HeadRecon.Tests.Data;
using HeadRecon.Training;
using Xunit;

namespace HeadRecon.Tests.Training;

/// <summary>The command line as a user runs it: train, kill -9, resume, mesh, eval; bad input fails before writing.</summary>
[Collection("TinyHeads")]
public class CliRunTests(TinyHeadsFixture heads)
{
    static Process Start(params string[] args) => CliProcess.Start(args);

    static (int Code, string Out, string Err) Run(params string[] args) => CliProcess.Run(args);

    string[] TrainArgs(string outDir, int iterations) =>
        ["train", "--conf", TestSupport.DataPath("..", "confs", "quickstart_st1.conf"), "--out", outDir, "--device", "cpu",
         .. TinyHeadsFixture.TinyOverrides(heads.Heads, iterations).SelectMany(o => new[] { "--set", o })];

    [Fact]
    public void KilledRunResumesAndFinishesThenMeshesAndEvaluates()
    {
        using var dir = new TempDir();
        string run = dir["run"];
        string ckpt = Path.Combine(run, "checkpoints", "latest.ckpt");
        using (var p = Start(TrainArgs(run, 400)))
        {
            var sw = Stopwatch.StartNew();
            while (!File.Exists(ckpt) && sw.Elapsed < TimeSpan.FromSeconds(120) && !p.HasExited) Thread.Sleep(100);
            Assert.True(File.Exists(ckpt), "no checkpoint appeared: " + (p.HasExited ? p.StandardError.ReadToEnd() : "timeout"));
            Thread.Sleep(300);
            p.Kill(entireProcessTree: true); // SIGKILL: no chance to clean up
            p.WaitForExit();
        }
        var killedAt = Checkpoint.ReadMeta(ckpt).Iteration;
        Assert.InRange(killedAt, 4, 399);

        var resumed = Run("train", "--resume", run, "--iterations", "8", "--device", "cpu");
        Assert.True(resumed.Code == 0, resumed.Err + resumed.Out);
        Assert.Contains($"resuming {run} at iteration {killedAt}/400", resumed.Out);
        Assert.Equal(killedAt + 8, Checkpoint.ReadMeta(ckpt).Iteration);

        var mesh = Run("mesh", run, "--res", "24", "--out", dir["m.ply"]);
        Assert.True(mesh.Code == 0, mesh.Err + mesh.Out);
        Assert.True(File.Exists(dir["m.ply"]));

        var eval = Run("eval", dir["m.ply"], "--gt", Path.Combine(heads.Heads, "gt", "101.ply"), "--json", "--samples", "2000");
        Assert.True(eval.Code == 0, eval.Err + eval.Out);
        using var json = System.Text.Json.JsonDocument.Parse(eval.Out);
        Assert.True(json.RootElement.GetProperty("chamfer").GetDouble() > 0);
    }

    [Fact]
    public void BadInputFailsWithOneLineAndWritesNothing()
    {
        using var dir = new TempDir();
        // Missing data folder.
        var missing = Run([.. TrainArgs(dir["r1"], 4), "--data", dir["nope"]]);
        Assert.Equal(2, missing.Code);
        Assert.Contains(dir["nope"], missing.Err);
        Assert.False(Directory.Exists(dir["r1"]));
        // Unknown key.
        var unknown = Run([.. TrainArgs(dir["r2"], 4), "--set", "model.num_identiy=3"]);
        Assert.Equal(2, unknown.Code);
        Assert.Contains("model.num_identiy", unknown.Err);
        Assert.Contains("num_identity", unknown.Err);
        Assert.False(Directory.Exists(dir["r2"]));
        // Malformed conf file.
        File.WriteAllText(dir["bad.conf"], "train {\n  num_pixels = \n}\n model { ");
        var malformed = Run("train", "--conf", dir["bad.conf"], "--out", dir["r3"]);
        Assert.Equal(2, malformed.Code);
        Assert.Contains("bad.conf", malformed.Err);
        Assert.False(Directory.Exists(dir["r3"]));
        Assert.Single(malformed.Err.Trim().Split('\n'));
    }
}
