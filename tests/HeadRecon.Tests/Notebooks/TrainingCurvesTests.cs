using HeadRecon.Notebooks;
using HeadRecon.Training;
using Xunit;

namespace HeadRecon.Tests.Notebooks;

public class TrainingCurvesTests
{
    static TrainingProgress At(int it, int total) =>
        new(it, total, new Dictionary<string, double> { ["loss"] = 1.0 / it, ["psnr"] = 10 + it, ["beta"] = 0.1 }, 0.5);

    [Fact]
    public void LiveUpdatesCarryAProgressBarAndOnlyTheLastOneAStaticImage()
    {
        var updates = new List<HtmlFragment>();
        var curves = new TrainingCurves("stage 1", updateEvery: 3) { OnUpdate = updates.Add };
        for (int it = 1; it <= 10; it++) curves.Report(At(it, 10));

        // Every third report and the last one.
        Assert.Equal(4, updates.Count);
        Assert.Contains("<progress value=\"3\" max=\"10\"", updates[0].Html);
        Assert.Contains("iteration 3/10, loss 0.3333, PSNR 13.00 dB", updates[0].Html);
        Assert.Contains("ETA 00:00:03", updates[0].Html);
        Assert.All(updates.Take(3), u => Assert.Null(ChartHtml.StaticImage(u.Html)));
        Assert.Contains("iteration 10/10", updates[^1].Html);
        Assert.Contains("done", updates[^1].Html);
        Assert.Equal(ChartImages.Browser is not null, ChartHtml.StaticImage(updates[^1].Html) is not null);
        // The curves hold every report.
        Assert.Equal(10, ChartHtml.Values(ChartHtml.FromPlotlyNetHtml(updates[^1].Html)!["data"]![0]!["x"])!.Length);
    }
}
