using System.Globalization;
using System.Text.Json;
using HeadRecon.Alignment;
using HeadRecon.Data;
using HeadRecon.Data.Synthetic;
using HeadRecon.Tests.Data.Import;
using HeadRecon.Training;
using Xunit;
using Xunit.Abstractions;

namespace HeadRecon.Tests.Alignment;

/// <summary>
/// The documented sequence for one's own capture, on a synthetic capture at 64² through the command line:
/// COLMAP export → import colmap → align landmarks (and photometric) → fine-tune stage 2 from a template with
/// dataset.alignment → mesh (back in the capture's millimetre world) → eval --protocol h3ds.
/// The template is the tiny SDF-regressed stage-1 run of this head, so the true similarity is known.
/// </summary>
[Collection("TinyTemplate")]
public class CaptureEndToEndTests(TinyTemplateFixture template, CaptureFixture capture, ITestOutputHelper output) : IClassFixture<CaptureFixture>
{
    static CliResult Cli(ITestOutputHelper output, params string[] args)
    {
        var r = CliProcess.Run(args);
        output.WriteLine($"$ headrecon {string.Join(' ', args)}\n{r.Out}{r.Err}");
        Assert.True(r.Code == 0, $"headrecon {args[0]} exited {r.Code}: {r.Err}{r.Out}");
        return r;
    }

    [Fact]
    public void Import_align_finetune_mesh_and_evaluate_with_the_h3ds_protocol()
    {
        using var t = new TempDir();
        string scene = t["scene"], run = t["run"];
        Cli(output, "import", "colmap", capture.Path3("colmap", "3"), "--images", capture.Path3("images"), "--masks", capture.Path3("masks"),
            "--landmarks2d", capture.Path3("landmarks2d.json"), "--format", "text", "--out", scene);
        Assert.True(File.Exists(Path.Combine(scene, "cameras.npz")));

        // A template ships its landmarks next to its conf.conf: this one's are its head's, in the template frame.
        string templateRun = t["template"];
        Fixtures.CopyDirectory(template.Run, templateRun);
        var own = new HeadLandmarks(template.Head.Landmarks().Points.ToDictionary(kv => kv.Key, kv => kv.Value * TinyTemplate.CamScale));
        LandmarkFiles.Write3D(Path.Combine(templateRun, TemplateLandmarks.FileName), own, "template units", "template");

        var align = Cli(output, "align", "landmarks", scene, "--template", templateRun, "--truth", capture.Path3("gt", "pose.json"));
        Assert.Contains("against", align.Out);
        var truth = CaptureSceneWriter.ReadWorldToTemplate(capture.Path3("gt", "pose.json"));
        var idr = DatasetLoader.Load(new HeadRecon.Config.DatasetOptions { Format = "idr", DataDir = scene, ImgRes = [0, 0], ScanId = "-1" });
        var worldToScene = Similarity.FromMatrix4(idr.ScaleMat!).Inverse();
        var landmarkError = AlignmentError.Between(worldToScene.Then(AlignmentFile.Read(Path.Combine(scene, "alignment.json"))), truth);
        output.WriteLine($"landmark alignment vs truth: {landmarkError}");
        Assert.True(landmarkError.Within(2, 0.02, 2), landmarkError.ToString());

        // The automatic route, started from the landmark fit (a few steps only: plumbing, not accuracy).
        Cli(output, "align", "photometric", scene, "--template", templateRun, "--init", Path.Combine(scene, "alignment.json"),
            "--iterations", "20", "--rays", "128", "--out", Path.Combine(scene, "alignment_photometric.json"), "--device", "cpu");
        Assert.True(File.Exists(Path.Combine(scene, "alignment_photometric.json")));

        // Fine-tune from the template on the scene, its cameras moved into the template frame by dataset.alignment:
        // stage 1 (template ∘ deformation, a few steps: plumbing), then stage 2 from it.
        string[] scene1 = ["dataset.format=idr", "train.dataset_class=datasets.scene_dataset.SceneDataset", $"dataset.data_dir=\"{scene}\"", "dataset.scan_id=-1", "dataset.img_res=[64, 64]", "dataset.alignment=alignment.json", "plot.grid_boundary=[-0.35, 0.35]"];
        Cli(output, ["train", "--conf", TestSupport.DataPath("..", "confs", "quickstart_st1.conf"), "--init-from", templateRun, "--out", run, "--device", "cpu",
            .. TinyHeadsFixture.TinyOverrides("unused", 2).Concat(scene1).SelectMany(s => new[] { "--set", s })]);
        Assert.True(File.Exists(Path.Combine(run, AlignmentFile.FileName)), "the run keeps the alignment it trained with");
        string run2 = t["run2"];
        Cli(output, ["train", "--conf", TestSupport.DataPath("..", "confs", "quickstart_st2.conf"), "--init-from", run, "--out", run2, "--device", "cpu",
            .. TinyHeadsFixture.TinyStage2Overrides("unused", 1).Concat(scene1).SelectMany(s => new[] { "--set", s })]);
        Assert.True(File.Exists(Path.Combine(run2, AlignmentFile.FileName)));
        Cli(output, "mesh", run2, "--res", "24", "--out", t["stage2.ply"]);

        string mesh = t["mesh.ply"];
        Cli(output, "mesh", run, "--res", "48", "--largest-component", "--out", mesh);
        // Back in the capture's world: millimetres, where the ground truth is.
        var m = HeadRecon.IO.Ply.Read(mesh);
        var gt = HeadRecon.IO.Ply.Read(capture.Path3("gt", "mesh.ply"));
        var (mMin, mMax) = m.Bounds();
        var (gMin, gMax) = gt.Bounds();
        double centreOffset = Math.Sqrt(Math.Pow((mMin.X + mMax.X - gMin.X - gMax.X) / 2, 2) + Math.Pow((mMin.Y + mMax.Y - gMin.Y - gMax.Y) / 2, 2) + Math.Pow((mMin.Z + mMax.Z - gMin.Z - gMax.Z) / 2, 2));
        output.WriteLine($"mesh box centre {centreOffset:F1} mm from the GT's; diagonals {m.BoundsDiagonal():F0} / {gt.BoundsDiagonal():F0} mm");
        Assert.True(centreOffset < 20, $"{centreOffset} mm");
        Assert.InRange(m.BoundsDiagonal() / gt.BoundsDiagonal(), 0.85, 1.15);

        var eval = Cli(output, "eval", mesh, "--gt", capture.Path3("gt", "mesh.ply"), "--protocol", "h3ds", "--landmarks-gt", capture.Path3("gt", "landmarks.json"),
            "--samples", "5000", "--json");
        using var json = JsonDocument.Parse(eval.Out);
        double full = json.RootElement.GetProperty("h3ds_full_head_mm").GetDouble(), face = json.RootElement.GetProperty("h3ds_face_sphere_mm").GetDouble();
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"H3DS protocol: full head {full:F2} mm, face {face:F2} mm"));
        Assert.InRange(full, 0.01, 15);
        Assert.InRange(face, 0.01, 15);
        Assert.Equal(m.VertexCount, json.RootElement.GetProperty("h3ds_prediction_vertices").GetInt32());
        Assert.True(json.RootElement.GetProperty("face_chamfer").GetDouble() > 0);
        Assert.True(File.Exists(t["mesh.h3ds.face_sphere.pred.ply"]) && File.Exists(t["mesh.h3ds.full_head.gt.ply"]));
    }

    [Fact]
    public void Bad_input_stops_with_one_line_and_writes_nothing()
    {
        using var t = new TempDir();
        var missing = CliProcess.Run("import", "colmap", t["no-model"], "--images", capture.Path3("images"), "--out", t["scene"]);
        Assert.Equal(2, missing.Code);
        Assert.Contains(t["no-model"], missing.Err);
        Assert.Single(missing.Err.Trim().Split('\n'));
        Assert.False(Directory.Exists(t["scene"]));

        var noLandmarks = CliProcess.Run("align", "landmarks", t["nowhere"]);
        Assert.Equal(2, noLandmarks.Code);
        Assert.Contains("nowhere", noLandmarks.Err);

        var predWithoutGt = CliProcess.Run("eval", capture.Path3("gt", "mesh.ply"), "--gt", capture.Path3("gt", "mesh.ply"), "--protocol", "h3ds",
            "--landmarks-pred", capture.Path3("gt", "landmarks.json"));
        Assert.Equal(2, predWithoutGt.Code);
        Assert.Contains("ground-truth landmarks", predWithoutGt.Err);
    }
}
