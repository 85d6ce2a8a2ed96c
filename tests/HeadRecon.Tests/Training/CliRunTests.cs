using System.Text.Json;
using HeadRecon.Training;
using Xunit;
using Xunit.Abstractions;

namespace HeadRecon.Tests.Training;

/// <summary>The command line as a user runs it: same seed in two processes, kill -9 and resume, mesh, eval; bad input fails before writing.</summary>
[Collection("TinyHeads")]
public class CliRunTests(TinyHeadsFixture heads, ITestOutputHelper log)
{
    internal static string[] TrainArgs(TinyHeadsFixture heads, string outDir, int iterations, params string[] extra) =>
        ["train", "--conf", TestSupport.DataPath("..", "confs", "quickstart_st1.conf"), "--out", outDir, "--device", "cpu",
         .. TinyHeadsFixture.TinyOverrides(heads.Heads, iterations).Concat(extra).SelectMany(o => new[] { "--set", o })];

    string[] TrainArgs(string outDir, int iterations, params string[] extra) => TrainArgs(heads, outDir, iterations, extra);

    internal static List<int> LoggedIterations(string run) =>
        File.ReadLines(Path.Combine(run, "metrics.jsonl")).Select(l => JsonDocument.Parse(l).RootElement.GetProperty("iteration").GetInt32()).ToList();

    internal static void AssertSameContent(string expectedCkpt, string actualCkpt)
    {
        var e = Checkpoint.Read(expectedCkpt);
        var a = Checkpoint.Read(actualCkpt);
        var differing = e.MemberNames.Where(n => !a.MemberNames.Contains(n) || !e.Member(n).AsSpan().SequenceEqual(a.Member(n))).ToList();
        Assert.True(differing.Count == 0 && e.ContentSha256 == a.ContentSha256,
            $"{actualCkpt} differs from {expectedCkpt} in {differing.Count} of {e.MemberNames.Count} members: {string.Join(", ", differing.Take(5))}");
        Assert.Equal(e.Meta.Iteration, a.Meta.Iteration);
    }

    internal static string[] TempFiles(string dir) => Directory.GetFiles(dir, "*.tmp", SearchOption.AllDirectories);

    /// <summary>Kills in <see cref="SeparateProcessesAndAKilledRunGiveBitIdenticalCheckpoints"/>: 3 in CI, more for a long
    /// manual check (HEADRECON_TEST_KILLS=10 dotnet test … --filter FullyQualifiedName~SeparateProcesses).</summary>
    static int Kills => int.TryParse(Environment.GetEnvironmentVariable("HEADRECON_TEST_KILLS"), out int k) && k > 0 ? k : 3;

    [Fact]
    public void SeparateProcessesAndAKilledRunGiveBitIdenticalCheckpoints()
    {
        using var dir = new TempDir();
        int kills = Kills, n = Math.Max(24, 8 * kills);
        var a = CliProcess.Run(TrainArgs(dir["a"], n));
        Assert.True(a.Code == 0, a.ToString());
        var b = CliProcess.Run(TrainArgs(dir["b"], n));
        Assert.True(b.Code == 0, b.ToString());
        string latestA = Path.Combine(dir["a"], "checkpoints", "latest.ckpt");
        AssertSameContent(latestA, Path.Combine(dir["b"], "checkpoints", "latest.ckpt"));
        // The one before the last is kept as well, and it is the run's state 4 iterations (checkpoint_iters) earlier.
        Assert.Equal(n - 4, Checkpoint.ReadMeta(Path.Combine(dir["a"], "checkpoints", "previous.ckpt")).Iteration);

        // SIGKILL at random moments after training started (between, during or while writing checkpoints), resumed each time.
        // Each kill lands at a random iteration of its share of what is left plus up to one iteration's time, so it always
        // comes before the run's end (a kill after the last checkpoint would find nothing to resume and no stale lock).
        string c = dir["c"];
        var rng = new Random();
        var moments = new List<string>();
        var p = CliProcess.Start(TrainArgs(c, n));
        int resumedAt = 0;
        for (int kill = 0; kill < kills; kill++)
        {
            int latestTarget = n - 2, share = Math.Max(1, (latestTarget - resumedAt) / (kills - kill));
            int target = rng.Next(resumedAt + 1, Math.Min(latestTarget, resumedAt + share) + 1);
            Assert.True(p.WaitForIteration(target, TimeSpan.FromSeconds(120)), $"no progress to iteration {target}: " + p.Out + p.Err);
            int delay = rng.Next(0, (int)Math.Ceiling(p.MeanIterationMs ?? 50));
            Thread.Sleep(delay);
            Assert.False(p.HasExited, $"the run ended before kill {kill + 1}: " + p.Out + p.Err);
            p.KillHard();
            p.Dispose();
            string ckpt = Path.Combine(c, "checkpoints", "latest.ckpt");
            resumedAt = File.Exists(ckpt) ? Checkpoint.ReadMeta(ckpt).Iteration : 0;
            moments.Add($"{delay} ms after iteration {target} ({(resumedAt > 0 ? $"checkpoint at {resumedAt}" : "no checkpoint")})");
            p = CliProcess.Start("train", "--resume", c, "--device", "cpu");
        }
        var last = p.Finish();
        log.WriteLine($"killed {moments.Count} times: " + string.Join("; ", moments));
        Assert.Equal(kills, moments.Count);
        Assert.True(last.Code == 0, last.ToString());
        Assert.Contains($"resuming {c} at iteration", last.Out);
        Assert.Contains("did not exit cleanly", last.Out); // the killed writer's lock file still named it
        AssertSameContent(latestA, Path.Combine(c, "checkpoints", "latest.ckpt"));
        Assert.Equal(Enumerable.Range(1, n), LoggedIterations(c));
        Assert.Empty(TempFiles(c));

        var mesh = CliProcess.Run("mesh", dir["a"], "--res", "24", "--out", dir["m.ply"]);
        Assert.True(mesh.Code == 0, mesh.ToString());
        Assert.True(File.Exists(dir["m.ply"]));
        var eval = CliProcess.Run("eval", dir["m.ply"], "--gt", Path.Combine(heads.Heads, "gt", "101.ply"), "--json", "--samples", "2000");
        Assert.True(eval.Code == 0, eval.ToString());
        using var json = JsonDocument.Parse(eval.Out);
        Assert.True(json.RootElement.GetProperty("chamfer").GetDouble() > 0);
    }

    [Fact]
    public void SigtermStopsAfterTheIterationWithACheckpoint()
    {
        using var dir = new TempDir();
        string run = dir["run"];
        var p = CliProcess.Start(TrainArgs(run, 400, "train.checkpoint_iters=1000"));
        Assert.True(p.WaitForFirstIteration(TimeSpan.FromSeconds(120)), p.Out + p.Err);
        p.Signal(15);
        var r = p.Finish();
        Assert.True(r.Code == 143, r.ToString());
        Assert.Contains("SIGTERM received", r.Err);
        int stoppedAt = Checkpoint.ReadMeta(Path.Combine(run, "checkpoints", "latest.ckpt")).Iteration;
        Assert.InRange(stoppedAt, 1, 399);
        Assert.Contains($"stopped by SIGTERM at iteration {stoppedAt}/400", r.Out);
        Assert.Equal(stoppedAt, LoggedIterations(run)[^1]);
        Assert.Equal(0, new FileInfo(Path.Combine(run, RunLock.FileName)).Length); // released cleanly
    }

    [Fact]
    public void BadInputFailsWithOneLineAndWritesNothing()
    {
        using var dir = new TempDir();
        // Missing data folder.
        var missing = CliProcess.Run([.. TrainArgs(dir["r1"], 4), "--data", dir["nope"]]);
        Assert.Equal(2, missing.Code);
        Assert.Contains(dir["nope"], missing.Err);
        Assert.False(Directory.Exists(dir["r1"]));
        // Unknown key.
        var unknown = CliProcess.Run([.. TrainArgs(dir["r2"], 4), "--set", "model.num_identiy=3"]);
        Assert.Equal(2, unknown.Code);
        Assert.Contains("model.num_identiy", unknown.Err);
        Assert.Contains("num_identity", unknown.Err);
        Assert.False(Directory.Exists(dir["r2"]));
        // Malformed conf file.
        File.WriteAllText(dir["bad.conf"], "train {\n  num_pixels = \n}\n model { ");
        var malformed = CliProcess.Run("train", "--conf", dir["bad.conf"], "--out", dir["r3"]);
        Assert.Equal(2, malformed.Code);
        Assert.Contains("bad.conf", malformed.Err);
        Assert.False(Directory.Exists(dir["r3"]));
        Assert.Single(malformed.ErrLines);
    }
}
