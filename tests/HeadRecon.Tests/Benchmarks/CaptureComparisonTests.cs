using HeadRecon.Benchmarks;
using HeadRecon.Tests.Data.Import;
using Xunit;
using Xunit.Abstractions;

namespace HeadRecon.Tests.Benchmarks;

/// <summary>The own-capture comparison on one synthetic capture with the shipped template and a few iterations: import,
/// landmark alignment, both paths, meshes back in millimetres, H3DS scores, the budget honoured, results cached.
/// No assertion on which path wins (that is what the command measures).</summary>
[Collection("TinyTemplate")]
public class CaptureComparisonTests(CaptureFixture capture, ITestOutputHelper output) : IClassFixture<CaptureFixture>
{
    CaptureComparisonOptions Options(string outDir) => new(outDir)
    {
        Captures = Path.GetDirectoryName(capture.Capture),
        Identities = 1,
        ViewCounts = [3],
        Template = Path.Combine(HeadRecon.Tests.Notebooks.NotebookTests.RepoRoot(), "data", "pretrained", "template"),
        Stage1Overrides = ["train.max_iterations=4"],
        Stage2Overrides = ["train.max_iterations=3"],
        MeshResolution = 48,
    };

    [Fact]
    public void Both_paths_train_for_equal_time_and_are_scored_in_millimetres()
    {
        using var t = new TempDir();
        var o = Options(t["cmp"]);
        var results = CaptureComparison.Run(o, output.WriteLine);
        Assert.Equal([CaptureComparison.TemplatePath, CaptureComparison.Scratch], results.Select(r => r.Method));
        var (template, scratch) = (results[0], results[1]);
        Assert.Equal(7, template.Iterations);
        Assert.True(scratch.TrainSeconds >= template.TrainSeconds, $"scratch stopped after {scratch.TrainSeconds} s, before the template path's {template.TrainSeconds} s");
        foreach (var r in results)
        {
            // Millimetres: a head reconstructed in the wrong frame or units is off by tens of mm or more.
            Assert.InRange(r.FaceMm, 0.01, 40);
            Assert.InRange(r.FullHeadMm, 0.01, 40);
            Assert.True(File.Exists(Path.Combine(o.OutDir, r.Mesh)), r.Mesh);
        }
        Assert.True(File.Exists(Path.Combine(o.OutDir, "capture_01", "3-views", "scene", "alignment.json")));
        var back = CaptureComparison.ReadJsonl(Path.Combine(o.OutDir, "comparison.jsonl"));
        Assert.Equal(results.Select(r => (r.Method, r.Iterations, Math.Round(r.FaceMm, 3))), back.Select(r => (r.Method, r.Iterations, r.FaceMm)));
        Assert.Contains("| 3 | single-stage VolSDF from scratch | 1 |", File.ReadAllText(Path.Combine(o.OutDir, "comparison.md")));

        // Run again: nothing is retrained, the same numbers come back.
        var again = CaptureComparison.Run(o, output.WriteLine);
        Assert.Equal(results.Select(r => (r.Iterations, r.TrainSeconds, r.FaceMm)), again.Select(r => (r.Iterations, r.TrainSeconds, r.FaceMm)));
    }

    [Fact]
    public void A_view_count_without_a_model_is_refused_before_anything_is_written()
    {
        using var t = new TempDir();
        var e = Assert.Throws<ArgumentException>(() => CaptureComparison.Run(Options(t["cmp"]) with { ViewCounts = [4] }, output.WriteLine));
        Assert.Contains("--views 4", e.Message);
        Assert.False(Directory.Exists(t["cmp"]));
    }
}
