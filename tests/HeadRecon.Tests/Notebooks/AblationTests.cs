using HeadRecon.Evaluation;
using HeadRecon.Notebooks;
using Xunit;

namespace HeadRecon.Tests.Notebooks;

public class AblationTests
{
    static AblationScore S(string row, string id, int seed, double? head, double? face = null, double psnr = 20) =>
        new(row, id, seed, $"{id}-{seed}", 10, 1, head, face, 0.5, psnr, 0.8);

    [Fact]
    public void EvaluationViewsAvoidEveryTrainingSplitAndAreSpread()
    {
        using var dir = new TempDir();
        string person = Directory.CreateDirectory(Path.Combine(dir.Path, "117")).FullName;
        for (int v = 1; v <= 12; v++) File.WriteAllBytes(Path.Combine(person, v == 6 ? "06.JPG" : $"{v:D2}.png"), []);
        File.WriteAllBytes(Path.Combine(person, "cameraParameters.xml"), []);
        File.WriteAllText(Path.Combine(dir.Path, "3_view.json"), """{"sparse_view_num":3,"info":{"117":[1,5,9]}}""");
        File.WriteAllText(Path.Combine(dir.Path, "5_view.json"), """{"sparse_view_num":5,"info":{"117":[1,5,9,2,12]}}""");
        var views = Ablation.EvaluationViews(dir.Path, "117", [3, 5], 3);
        // 03,04,06,07,08,10,11 remain; three spread over them: indices 0, 2, 4.
        Assert.Equal(["03.png", "06.JPG", "08.png"], views);
        // Fewer left than asked for: all of them.
        Assert.Equal(["03.png", "04.png", "06.JPG", "07.png", "08.png", "10.png", "11.png"], Ablation.EvaluationViews(dir.Path, "117", [3, 5], 9));
        File.WriteAllText(Path.Combine(dir.Path, "12_view.json"), """{"sparse_view_num":12,"info":{"117":[1,2,3,4,5,6,7,8,9,10,11,12]}}""");
        var none = Assert.Throws<ArgumentException>(() => Ablation.EvaluationViews(dir.Path, "117", [12], 1));
        Assert.Contains("every image is in a training split (12_view.json)", none.Message);
        var unknown = Assert.Throws<ArgumentException>(() => Ablation.EvaluationViews(dir.Path, "118", [5], 1));
        Assert.Contains("5_view.json: no view list for identity 118", unknown.Message);
    }

    [Fact]
    public void StatisticsAreTheSampleMeanSpreadAndRange()
    {
        var s = SampleStatistics.Of([1.0, 2.0, 3.0, 6.0]);
        Assert.Equal(3.0, s.Mean, 12);
        Assert.Equal(Math.Sqrt(14.0 / 3.0), s.Sd, 12); // (4 + 1 + 0 + 9) / (n − 1)
        Assert.Equal((4, 1.0, 6.0), (s.Count, s.Min, s.Max));
        Assert.Equal("3.00 ± 2.16 (1.00–6.00)", s.MeanSdRange("F2"));
        Assert.Equal(0.0, SampleStatistics.Of([2.5]).Sd);
        Assert.True(double.IsNaN(SampleStatistics.Of([]).Mean));
        Assert.Equal("–", SampleStatistics.Of([]).MeanSdRange("F2"));
    }

    [Fact]
    public void PairedComparisonsMatchPersonAndSeed()
    {
        List<AblationScore> scores =
        [
            S("a", "117", 1, 1.0), S("a", "117", 2, 3.0), S("a", "118", 1, 2.0),
            S("b", "117", 1, 2.0), S("b", "117", 2, 2.5), S("b", "119", 1, 0.1), // 119 has no partner in a
        ];
        var (d, lower, higher, n) = Ablation.Paired(scores, "a", "b", s => s.HeadChamfer);
        Assert.Equal(2, n);
        Assert.Equal(((1.0 - 2.0) + (3.0 - 2.5)) / 2, d, 12);
        Assert.Equal((1, 1), (lower, higher));
        // A metric a run lacks (no surface, or nothing in the face region) leaves that pair out.
        List<AblationScore> face = [S("a", "117", 1, 1, 0.5), S("a", "117", 2, 1, null), S("a", "118", 1, 1, 0.9), S("b", "117", 1, 1, 1.0), S("b", "117", 2, 1, 0.1), S("b", "118", 1, 1, 0.9)];
        var f = Ablation.Paired(face, "a", "b", s => s.FaceChamfer);
        Assert.Equal((2, 1, 0), (f.Pairs, f.Lower, f.Higher)); // 117/1 lower, 118/1 a tie
        Assert.Equal(-0.25, f.MeanDifference, 12);
        Assert.Equal(0, Ablation.Paired(face, "a", "c", s => s.FaceChamfer).Pairs);
    }

    [Fact]
    public void ComparisonsInWordsCountThePairsThatAgreeWithTheMean()
    {
        // a − b = +1, +1, −0.5: worse on average (lower is better) in the 2 pairs where a is higher.
        List<AblationScore> scores = [S("a", "1", 1, 3), S("a", "2", 1, 3), S("a", "3", 1, 1), S("b", "1", 1, 2), S("b", "2", 1, 2), S("b", "3", 1, 1.5)];
        Assert.Equal("Chamfer: +0.500 mm on average, worse in 2 of 3 pairs.", Ablation.Describe(scores, "Chamfer", "a", "b", s => s.HeadChamfer, "mm", lowerIsBetter: true));
        Assert.Equal("Chamfer: -0.500 mm on average, worse in 2 of 3 pairs.", Ablation.Describe(scores, "Chamfer", "b", "a", s => s.HeadChamfer, "mm", lowerIsBetter: false));
        Assert.Equal("Chamfer: -0.500 mm on average, better in 2 of 3 pairs.", Ablation.Describe(scores, "Chamfer", "b", "a", s => s.HeadChamfer, "mm", lowerIsBetter: true));
        Assert.Equal("PSNR: no pair has both rows measured.", Ablation.Describe(scores, "PSNR", "a", "c", s => s.HeldOutPsnr, "dB", lowerIsBetter: false));
    }

    [Fact]
    public void SummaryKeepsTheDeclaredRowOrderAndShowsTheSpread()
    {
        List<AblationScore> scores = [S("b", "117", 1, 2.0, 1.0), S("b", "118", 1, 4.0, 3.0), S("b", "119", 1, null), S("a", "117", 1, 1.0)];
        var rows = Ablation.Summarise([("b", "second"), ("a", "first"), ("c", "never ran")], scores);
        Assert.Equal(["b", "a", "c"], rows.Select(r => r.Row));
        Assert.Equal((3, 1), (rows[0].Runs, rows[0].WithoutSurface));   // a run with no surface is counted, not averaged
        Assert.Equal("3.000 ± 1.414 (2.000–4.000)", rows[0].HeadChamfer);
        Assert.Equal("2.000 ± 1.414 (1.000–3.000)", rows[0].FaceChamfer);
        Assert.Equal("–", rows[1].FaceChamfer);
        Assert.Equal((0, "–"), (rows[2].Runs, rows[2].HeadChamfer));
    }

    [Fact]
    public void TheChartShowsEveryRunAndTheMeanWithItsRange()
    {
        List<AblationScore> scores = [S("a", "117", 1, 1.0), S("a", "118", 1, 3.0), S("b", "117", 1, 10.0), S("b", "118", 1, 11.0)];
        var fig = ChartHtml.Figure(Ablation.Chart("t", "mm", ["a", "b"], scores, s => s.HeadChamfer));
        var runs = fig["data"]![0]!;
        var mean = fig["data"]![1]!;
        Assert.Equal(4, runs["y"]!.AsArray().Count);
        Assert.Equal([2.0, 10.5], mean["y"]!.AsArray().Select(v => v!.GetValue<double>()));
        Assert.Equal([1.0, 0.5], mean["error_y"]!["array"]!.AsArray().Select(v => v!.GetValue<double>()));
        Assert.Equal([1.0, 0.5], mean["error_y"]!["arrayminus"]!.AsArray().Select(v => v!.GetValue<double>()));
        // Rows keep the declared order on the axis, also a row whose runs have no value (no dot to place it).
        var noFace = ChartHtml.Figure(Ablation.Chart("t", "mm", ["b", "a"], [S("a", "117", 1, 1.0, 0.5), S("b", "117", 1, 2.0)], s => s.FaceChamfer));
        Assert.Equal(["b", "a"], noFace["layout"]!["xaxis"]!["categoryarray"]!.AsArray().Select(v => v!.GetValue<string>()));
        Assert.Equal("array", noFace["layout"]!["xaxis"]!["categoryorder"]!.GetValue<string>());
    }
}
