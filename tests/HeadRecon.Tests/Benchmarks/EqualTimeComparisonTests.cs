using HeadRecon.Benchmarks;
using Xunit;

namespace HeadRecon.Tests.Benchmarks;

/// <summary>The equal-wall-time comparison on the tiny synthetic heads: budgets are honoured, every variant is
/// evaluated, results are cached. No assertion on which variant wins (that is what the command measures).</summary>
[Collection("TinyHeads")]
public class EqualTimeComparisonTests(TinyHeadsFixture heads)
{
    static void CopyDir(string from, string to)
    {
        foreach (var f in Directory.EnumerateFiles(from, "*", SearchOption.AllDirectories))
        {
            var dest = Path.Combine(to, Path.GetRelativePath(from, f));
            Directory.CreateDirectory(Path.GetDirectoryName(dest)!);
            File.Copy(f, dest);
        }
    }

    [Fact]
    public void EveryVariantTrainsForTheBudgetAndIsEvaluated()
    {
        using var dir = new TempDir();
        CopyDir(heads.Heads, Path.Combine(dir.Path, "heads"));
        var common = TinyHeadsFixture.TinyOverrides(heads.Heads, iterations: 4).Where(k => !k.StartsWith("dataset.data_dir", StringComparison.Ordinal)).ToArray();
        var o = new ComparisonOptions(dir.Path)
        {
            Seconds = 2,
            Identities = 2,
            ImageResolution = 32,
            MeshResolution = 32,
            CommonOverrides = common,
            Variants =
            [
                new("base", 1, []),
                ComparisonVariant.Parse("occ=1:model.ray_sampler.occupancy_grid.resolution=16;model.ray_sampler.occupancy_grid.bound=0.8"),
                new("disp", 2, ["model.rendering_network.dims=[32, 32]", "model.displacement_network.dims=[32, 32]", "model.displacement_network.displace_feature_dim=8"]),
            ],
        };
        var results = EqualTimeComparison.Run(o, _ => { });
        Assert.Equal(["base", "occ", "disp"], results.Select(r => r.Variant));
        foreach (var r in results)
        {
            Assert.True(r.Iterations > 0, r.Variant);
            Assert.True(r.TrainSeconds >= o.Seconds, $"{r.Variant} stopped after {r.TrainSeconds} s, before its budget");
            Assert.True(double.IsFinite(r.Chamfer) && r.Chamfer > 0, $"{r.Variant}: Chamfer {r.Chamfer}");
            Assert.True(double.IsFinite(r.HeldOutPsnr), r.Variant);
        }
        // The stage-2 variant started from the shared stage-1 run, trained by iterations.
        Assert.True(File.Exists(Path.Combine(dir.Path, "stage1-init", "checkpoints", "latest.ckpt")));
        Assert.Contains("occupancy_grid", File.ReadAllText(Path.Combine(dir.Path, "occ", "conf.conf")));
        var table = File.ReadAllText(Path.Combine(dir.Path, "comparison.md"));
        Assert.Contains("| occ | 1 |", table);
        Assert.Equal(3, File.ReadAllLines(Path.Combine(dir.Path, "comparison.jsonl")).Length);

        // Run again: nothing is retrained, the same numbers come back.
        var again = EqualTimeComparison.Run(o with { Variants = o.Variants.Take(1).ToList() }, _ => { });
        Assert.Equal(results[0].Iterations, again[0].Iterations);
        Assert.Equal(results[0].TrainSeconds, again[0].TrainSeconds);
    }

    [Fact]
    public void VariantTextIsParsedOrRejected()
    {
        var v = ComparisonVariant.Parse("fast=1:model.ray_sampler.N_samples_eval=32; model.sdf_gradient=\"numerical\"");
        Assert.Equal("fast", v.Name);
        Assert.Equal(1, v.Stage);
        Assert.Equal(["model.ray_sampler.N_samples_eval=32", "model.sdf_gradient=\"numerical\""], v.Overrides);
        Assert.Throws<ArgumentException>(() => ComparisonVariant.Parse("fast=3:x=1"));
        Assert.Throws<ArgumentException>(() => ComparisonVariant.Parse("no-stage"));
    }
}
