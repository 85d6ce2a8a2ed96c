using HeadRecon.Config;

namespace HeadRecon.Tests.Sweeps;

/// <summary>Sweep files for the tests: the tiny configurations of <see cref="TinyHeadsFixture"/> as a stage-1 run and stage-2 runs over its two identities.</summary>
public static class TinySweep
{
    public static string Conf(string name) => TestSupport.DataPath("..", "confs", name);

    static string List(IEnumerable<string> items) => "[\n    " + string.Join(",\n    ", items.Select(HoconScalar.Quote)) + "\n  ]";

    /// <summary>
    /// A sweep over identities 101 and 102 (× seeds when given) of the tiny stage 2, after a tiny stage 1 trained by the sweep;
    /// checkpoints only at the end (or on SIGTERM), so a resumed run proves the signal's checkpoint. <paramref name="extra"/> is more HOCON.
    /// </summary>
    public static string Write(string dir, string heads, int iterations, int stage1Iterations = 4, string seeds = "", string extra = "")
    {
        Directory.CreateDirectory(dir);
        string path = Path.Combine(dir, "tiny.sweep");
        var stage2 = TinyHeadsFixture.TinyStage2Overrides(heads, iterations).Append("train.checkpoint_iters = 100000");
        File.WriteAllText(path, $$"""
            # The tests' tiny sweep.
            name = tiny
            base = {{HoconScalar.Quote(Conf("quickstart_st2.conf"))}}
            out = runs
            set = {{List(stage2)}}
            identities = [101, 102]
            {{(seeds.Length > 0 ? $"seeds = {seeds}" : "")}}
            stage1 {
              conf = {{HoconScalar.Quote(Conf("quickstart_st1.conf"))}}
              set = {{List(TinyHeadsFixture.TinyOverrides(heads, stage1Iterations))}}
            }
            {{extra}}
            """);
        return path;
    }

    /// <summary>The last iteration a run has logged in metrics.jsonl (0 before the first), read while the run writes it.</summary>
    public static int LastIteration(string metricsFile)
    {
        if (!File.Exists(metricsFile)) return 0;
        using var s = new FileStream(metricsFile, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        using var r = new StreamReader(s);
        int last = 0;
        for (string? line; (line = r.ReadLine()) is not null;)
        {
            try { last = System.Text.Json.JsonDocument.Parse(line).RootElement.GetProperty("iteration").GetInt32(); }
            catch (System.Text.Json.JsonException) { } // the line being written
        }
        return last;
    }
}
