using HeadRecon.Alignment;
using HeadRecon.Data;
using HeadRecon.Data.Synthetic;
using HeadRecon.Tests.Data.Import;
using HeadRecon.Training;
using Xunit;
using Xunit.Abstractions;

namespace HeadRecon.Tests.Alignment;

[Collection("Capture")]
public class LandmarkAlignmentTests(CaptureFixture capture, ITestOutputHelper output)
{
    static HeadDataset LoadScene(string dir, string alignment = "") =>
        DatasetLoader.Load(new HeadRecon.Config.DatasetOptions { Format = "idr", DataDir = dir, ImgRes = [0, 0], ScanId = "-1", Alignment = alignment });

    [Fact]
    public void Triangulation_recovers_a_point_exactly_and_refines_noisy_pixels()
    {
        var rig = capture.Rig;
        double[] x = [rig.HeadToWorld.Translation[0] + 12, rig.HeadToWorld.Translation[1] - 30, rig.HeadToWorld.Translation[2] + 7];
        var exact = rig.Cameras.Select(c =>
        {
            var (u, v, _) = PinholeCamera.Project(c.Intrinsics, c.CameraToWorld, x[0], x[1], x[2]);
            return new PixelObservation(c.Intrinsics, c.CameraToWorld, u, v);
        }).ToList();
        var p = Triangulation.Point(exact);
        for (int k = 0; k < 3; k++) Assert.Equal(x[k], p[k], 6);
        var rng = new Random(3);
        var noisy = exact.Select(o => o with { U = o.U + (rng.NextDouble() - 0.5), V = o.V + (rng.NextDouble() - 0.5) }).ToList();
        var q = Triangulation.Point(noisy);
        Assert.True(Triangulation.RmsReprojection(noisy, q) < 0.5);
        Assert.True(Math.Sqrt(Enumerable.Range(0, 3).Sum(k => Math.Pow(q[k] - x[k], 2))) < 3, "half-pixel noise moves the point by millimetres at most");
        Assert.Throws<ArgumentException>(() => Triangulation.Point(exact.Take(1).ToList()));
    }

    /// <summary>The similarity from the imported scene's frame, expressed from the capture world, against pose.json's truth.</summary>
    AlignmentError ErrorAgainstTruth(HeadDataset scene, Similarity datasetToTemplate) =>
        AlignmentError.Between(Similarity.FromMatrix4(scene.ScaleMat!).Inverse().Then(datasetToTemplate), CaptureSceneWriter.ReadWorldToTemplate(capture.Path3("gt", "pose.json")));

    [Theory]
    [InlineData(3)]
    [InlineData(5)]
    public void Landmarks_of_the_template_itself_give_the_true_similarity(int views)
    {
        using var t = new TempDir();
        capture.Import(t["scene"], views);
        var scene = LoadScene(t["scene"]);
        // The oracle template: this head's own landmarks in the template frame (head frame × 0.15).
        var own = new HeadLandmarks(capture.Head.Landmarks().Points.ToDictionary(kv => kv.Key, kv => kv.Value * CaptureSceneWriter.TemplateCamScale));
        var result = LandmarkAlignment.Estimate(scene, LandmarkFiles.Read2D(t["scene/landmarks2d.json"]), own);
        var error = ErrorAgainstTruth(scene, result.Transform);
        output.WriteLine($"{views} views: {error}\n{result}");
        Assert.True(error.Within(2, 0.02, 2), error.ToString());     // the bar, in degrees, relative scale and mm
        Assert.True(result.Used.Count >= 6);
        Assert.All(result.Points, p => Assert.True(p.RmsReprojectionPx < 1.5, $"{p.Name}: {p.RmsReprojectionPx} px"));
    }

    [Fact]
    public void The_synthetic_family_mean_lands_near_the_truth_and_too_few_landmarks_are_refused()
    {
        using var t = new TempDir();
        capture.Import(t["scene"], 5);
        var scene = LoadScene(t["scene"]);
        var obs = LandmarkFiles.Read2D(t["scene/landmarks2d.json"]);
        var result = LandmarkAlignment.Estimate(scene, obs, TemplateLandmarks.SyntheticFamilyMean());
        var error = ErrorAgainstTruth(scene, result.Transform);
        output.WriteLine($"family mean: {error}");
        // Identity differs from the mean (eye spacing ±7 %, nose and chin lengths): a few percent, a few degrees.
        Assert.True(error.Within(5, 0.06, 10), error.ToString());
        var three = new Landmarks2D(obs.Views.ToDictionary(kv => kv.Key, kv => (IReadOnlyDictionary<string, (double U, double V)>)kv.Value.Where(p => p.Key is HeadLandmarks.NoseTip or HeadLandmarks.LeftEye or HeadLandmarks.RightEye).ToDictionary()));
        Assert.Contains("at least 4", Assert.Throws<DatasetException>(() => LandmarkAlignment.Estimate(scene, three, TemplateLandmarks.SyntheticFamilyMean())).Message);
        var elsewhere = new Landmarks2D(new Dictionary<string, IReadOnlyDictionary<string, (double, double)>> { ["other.png"] = obs.Views.First().Value });
        Assert.Contains("other.png", Assert.Throws<DatasetException>(() => LandmarkAlignment.Estimate(scene, elsewhere, TemplateLandmarks.SyntheticFamilyMean(), "lm.json")).Message);
    }

    [Fact]
    public void A_known_scale_is_kept_exactly_and_only_the_pose_is_fitted()
    {
        using var t = new TempDir();
        capture.Import(t["scene"], 3);
        var scene = LoadScene(t["scene"]);
        var obs = LandmarkFiles.Read2D(t["scene/landmarks2d.json"]);
        // The capture is in mm; the template frame of a family template at cam_scale 0.15 is 75 / 0.15 = 500 mm per unit.
        double k = LandmarkAlignment.MetricScale(scene, 1.0, SyntheticHead.MillimetresPerUnit / CaptureSceneWriter.TemplateCamScale);
        var own = new HeadLandmarks(capture.Head.Landmarks().Points.ToDictionary(kv => kv.Key, kv => kv.Value * CaptureSceneWriter.TemplateCamScale));
        var result = LandmarkAlignment.Estimate(scene, obs, own, fixedScale: k);
        Assert.Equal(k, result.Transform.Scale, 12);
        var error = ErrorAgainstTruth(scene, result.Transform);
        output.WriteLine($"known scale, own landmarks: {error}");
        // The head's own scale is 1 in its frame only when its identity scale is 1; the capture's true map is 1/500 per mm.
        Assert.True(error.Within(2, 0.05, 2), error.ToString());
        Assert.Throws<ArgumentOutOfRangeException>(() => LandmarkAlignment.Estimate(scene, obs, own, fixedScale: -1));
    }

    [Fact]
    public void Landmark_spread_is_zero_for_identical_people_and_weights_the_fit()
    {
        var p = HeadParameters.Random(5, false);
        Assert.All(TemplateLandmarks.Spread([p, p, p], 0.3).Values, v => Assert.Equal(0, v, 12));
        var family = Enumerable.Range(0, 12).Select(i => HeadParameters.Random(HeadFamily.CandidateSeed(0, i), false)).ToList();
        var spread = TemplateLandmarks.Spread(family, 0.15);
        Assert.Equal(HeadLandmarks.All.Length, spread.Count);
        Assert.All(spread.Values, v => Assert.InRange(v, 1e-5, 0.1));
        output.WriteLine(string.Join(", ", spread.Select(kv => $"{kv.Key} {kv.Value:G3}")));

        using var t = new TempDir();
        capture.Import(t["scene"], 5);
        var scene = LoadScene(t["scene"]);
        var obs = LandmarkFiles.Read2D(t["scene/landmarks2d.json"]);
        var mean = TemplateLandmarks.Mean(family, 0.15);
        var weighted = LandmarkAlignment.Estimate(scene, obs, mean, spread: spread);
        var error = ErrorAgainstTruth(scene, weighted.Transform);
        output.WriteLine($"spread-weighted family mean: {error}");
        Assert.True(error.Within(5, 0.08, 10), error.ToString());
        Assert.NotEqual(LandmarkAlignment.Estimate(scene, obs, mean).Transform.Scale, weighted.Transform.Scale);
    }

    [Fact]
    public void An_alignment_file_moves_cameras_and_points_together()
    {
        using var t = new TempDir();
        capture.Import(t["scene"], 3);
        var plain = LoadScene(t["scene"]);
        var a = new Similarity(0.8, Rotations.FromAxisAngle(0.3, 1.0, -0.2), [0.05, -0.1, 0.02]);
        AlignmentFile.Write(t["scene/alignment.json"], a, "test");
        var aligned = LoadScene(t["scene"], "alignment.json");          // relative to data_dir
        Assert.Null(plain.Alignment);
        Assert.NotNull(aligned.Alignment);
        double[] x = [0.02, -0.05, 0.1];
        var y = a.Apply(x);
        for (int i = 0; i < plain.Views.Count; i++)
        {
            var (u0, v0, d0) = PinholeCamera.Project(plain.Views[i], x[0], x[1], x[2]);
            var (u1, v1, d1) = PinholeCamera.Project(aligned.Views[i], y[0], y[1], y[2]);
            Assert.Equal(u0, u1, 8); Assert.Equal(v0, v1, 8); Assert.Equal(a.Scale * d0, d1, 8);
        }
        Assert.Contains("alignment", Assert.Throws<DatasetException>(() => LoadScene(t["scene"], "missing.json")).Message);
    }
}
