using HeadRecon.Alignment;
using HeadRecon.Data;
using HeadRecon.Data.Synthetic;
using HeadRecon.Models;
using HeadRecon.Training;
using Xunit;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace HeadRecon.Tests.Alignment;

/// <summary>A tiny template trained once (SDF regression onto one synthetic head) for the photometric alignment tests.</summary>
public sealed class TinyTemplateFixture : IDisposable
{
    public TempDir Dir { get; } = new();
    /// <summary>The head of the capture fixture's first identity, so capture tests can align to this template.</summary>
    public SyntheticHead Head { get; } = new(HeadParameters.Random(CaptureSceneWriter.IdentitySeed(0, 0), false));
    public string Run { get; }

    public TinyTemplateFixture()
    {
        HeadRecon.Runtime.TorchRuntime.Initialize();
        Run = TinyTemplate.Train(Dir["template"], Head);
    }

    public void Dispose() => Dir.Dispose();
}

[CollectionDefinition("TinyTemplate")]
public sealed class TinyTemplateCollection : ICollectionFixture<TinyTemplateFixture>;

[Collection("TinyTemplate")]
public class PhotometricAlignmentTests(TinyTemplateFixture template, ITestOutputHelper output)
{
    /// <summary>Five views of the frozen model itself, rendered in the template frame at 40², then expressed in a scene
    /// frame related to it by <paramref name="sceneToTemplate"/>: the photometric optimum is exactly that transform.</summary>
    static HeadDataset RenderScene(HeadModel model, Similarity sceneToTemplate, int res = 40)
    {
        var toScene = sceneToTemplate.Inverse();
        var views = new List<HeadView>();
        double f = 0.85 * (res / 2.0) * 1.2 / 0.3;
        double[] k = [f, 0, res / 2.0 - 0.5, 0, f, res / 2.0 - 0.5, 0, 0, 1];
        var target = new Vector3d(0, -0.02, 0.03);
        foreach (double azimuth in new[] { -60.0, -30, 0, 30, 60 })
        {
            double a = azimuth * Math.PI / 180, e = 0.1;
            var eye = target + new Vector3d(Math.Sin(a) * Math.Cos(e), Math.Sin(e), Math.Cos(a) * Math.Cos(e)) * 1.2;
            var z = (target - eye).Normalized();
            var x = Vector3d.Cross(z, new Vector3d(0, 1, 0)).Normalized();
            var y = Vector3d.Cross(z, x);
            double[] c2w = [x.X, y.X, z.X, eye.X, x.Y, y.Y, z.Y, eye.Y, x.Z, y.Z, z.Z, eye.Z, 0, 0, 0, 1];
            var placeholder = new HeadView("t", 0, $"{azimuth}", res, res, new float[res * res * 3], null, k, c2w);
            var px = new DatasetTrainingData(new HeadDataset([placeholder], ["t"], 1, null, null, "render")).AllPixels(0, CPU);
            var img = ImageRenderer.Render(model, px.Batch, res, res, 512);
            views.Add(placeholder with { Rgb = img.Rgb, Mask = Silhouette(model, k, c2w, res), CameraToWorld = toScene.ApplyToCameraToWorld(c2w) });
        }
        return new HeadDataset(views, ["t"], 1, null, null, "rendered template");
    }

    /// <summary>The exact silhouette of the zero code's zero level: a pixel is inside when its ray reaches SDF &lt; 0 (160 samples
    /// over the head's depth range). Volume-rendered opacity thresholded at 0.5 would sit about 3β outside it.</summary>
    static float[] Silhouette(HeadModel model, double[] k, double[] c2w, int res)
    {
        var uv = new float[res * res * 2];
        for (int r = 0; r < res; r++)
            for (int c = 0; c < res; c++) { uv[2 * (r * res + c)] = c; uv[2 * (r * res + c) + 1] = r; }
        var (o, d) = PinholeCamera.Compute(k, c2w, uv);
        const int Samples = 160;
        var pts = new float[res * res * Samples * 3];
        for (int i = 0; i < res * res; i++)
            for (int s = 0; s < Samples; s++)
            {
                double t = 0.8 + 0.8 * s / (Samples - 1);
                for (int a = 0; a < 3; a++) pts[3 * (i * Samples + s) + a] = (float)(o[a] + t * d[3 * i + a]);
            }
        using var noGrad = no_grad();
        var sdf = model.SdfValues(tensor(pts, [pts.Length / 3, 3]), zeros(1, model.Options.DimIdentityShape)).reshape(res * res, Samples);
        return sdf.amin([1]).lt(0).to(float32).data<float>().ToArray();
    }

    [Fact]
    public void Recovers_a_known_similarity_from_a_perturbed_start()
    {
        var (_, conf, model, _) = TrainedRun.LoadModel(template.Run);
        using (model)
        {
            var truth = new Similarity(0.004, Rotations.FromAxisAngle(0.4, -1.1, 0.3), [0.05, -0.3, 0.2]);
            var scene = RenderScene(model, truth);
            // 8° off, 6 % too small, shifted by a tenth of the head: the start a landmark fit or the rig gives.
            var perturbation = new Similarity(0.94, Rotations.FromAxisAngle(0.08, 0.1, -0.05), [0.02, -0.015, 0.01]);
            var start = truth.Then(perturbation);
            var result = PhotometricAlignment.Fit(model, conf.Plot.GridBoundary, scene, new PhotometricAlignmentOptions(Iterations: 100, RaysPerStep: 128), start, output.WriteLine);
            var before = AlignmentError.Between(start, truth);
            var after = AlignmentError.Between(result.Transform, truth);
            output.WriteLine($"before: {before}\nafter:  {after}\n{result}");
            Assert.True(after.Within(1.0, 0.01, 0.005 / truth.Scale), $"after: {after}");
            Assert.True(result.FinalLoss < result.InitialLoss);
        }
    }

    [Fact]
    public void Starts_from_the_rig_and_the_visual_hull_without_any_initial_alignment()
    {
        var (_, conf, model, _) = TrainedRun.LoadModel(template.Run);
        using (model)
        {
            var truth = new Similarity(0.0025, Rotations.FromAxisAngle(-2.0, 0.7, 1.2), [0.3, 0.1, -0.4]);
            var scene = RenderScene(model, truth);
            var rig = PhotometricAlignment.FromRig(scene, PhotometricAlignment.TemplateExtent(model, zeros(1, conf.Model.DimIdentityShape), conf.Plot.GridBoundary));
            var rigError = AlignmentError.Between(rig, truth);
            output.WriteLine($"rig start: {rigError}");
            Assert.True(rigError.Within(15, 0.2, 0.1 / truth.Scale), $"rig start: {rigError}");
            var result = PhotometricAlignment.Fit(model, conf.Plot.GridBoundary, scene, new PhotometricAlignmentOptions(Iterations: 150, RaysPerStep: 128, RgbWeight: 0), null, output.WriteLine);
            var after = AlignmentError.Between(result.Transform, truth);
            output.WriteLine($"after: {after}");
            Assert.True(after.Within(1.5, 0.015, 0.008 / truth.Scale), $"after: {after}");
        }
    }
}
