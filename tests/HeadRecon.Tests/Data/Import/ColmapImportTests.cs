using HeadRecon.Data;
using HeadRecon.Data.Import;
using HeadRecon.Data.Synthetic;
using Xunit;

namespace HeadRecon.Tests.Data.Import;

[Collection("Capture")]
public class ColmapImportTests(CaptureFixture capture)
{
    static HeadDataset LoadScene(string dir) => DatasetLoader.Load(new HeadRecon.Config.DatasetOptions { Format = "idr", DataDir = dir, ImgRes = [0, 0], ScanId = "-1" });

    [Fact]
    public void Text_and_binary_models_hold_the_same_cameras_poses_and_points()
    {
        var text = ColmapModel.Read(capture.Path3("colmap", "5"), ColmapFormat.Text);
        var bin = ColmapModel.Read(capture.Path3("colmap", "5"), ColmapFormat.Binary);
        Assert.Equal(5, text.Images.Count);
        Assert.Equal(text.Cameras.Count, bin.Cameras.Count);
        for (int i = 0; i < text.Cameras.Count; i++)
        {
            Assert.Equal(text.Cameras[i].Model, bin.Cameras[i].Model);
            Assert.Equal(text.Cameras[i].Params, bin.Cameras[i].Params);
        }
        for (int i = 0; i < text.Images.Count; i++)
        {
            Assert.Equal(text.Images[i].Name, bin.Images[i].Name);
            Assert.Equal(text.Images[i].Quaternion, bin.Images[i].Quaternion);
            Assert.Equal(text.Images[i].Translation, bin.Images[i].Translation);
            Assert.Equal(text.Images[i].Keypoints, bin.Images[i].Keypoints);
        }
        Assert.Equal(text.Points.Count, bin.Points.Count);
        Assert.True(text.Points.Count > 100);
        Assert.Equal(text.Points.Select(p => (p.X, p.Y, p.Z)), bin.Points.Select(p => (p.X, p.Y, p.Z)));
        // Auto picks binary when both exist, as COLMAP does; the 3-view model is a subset.
        Assert.Equal(3, ColmapModel.Read(capture.Path3("colmap", "3")).Images.Count);
        // Every keypoint is the projection (+0.5, COLMAP's pixel centres) of the point it observes.
        var rig = capture.Rig;
        var points = text.Points.ToDictionary(p => p.Id);
        foreach (var im in text.Images)
        {
            var cam = rig.Cameras[im.Id - 1];
            foreach (var kp in im.Keypoints.Take(20))
            {
                var p = points[kp.Point3DId];
                var (u, v, _) = PinholeCamera.Project(cam.Intrinsics, cam.CameraToWorld, p.X, p.Y, p.Z);
                Assert.Equal(u + 0.5, kp.X, 6);
                Assert.Equal(v + 0.5, kp.Y, 6);
            }
        }
    }

    [Theory]
    [InlineData(ColmapFormat.Text)]
    [InlineData(ColmapFormat.Binary)]
    public void Imported_cameras_project_world_points_exactly_as_the_capture_cameras(ColmapFormat format)
    {
        using var t = new TempDir();
        var report = capture.Import(t["scene"], 5, format);
        var ds = LoadScene(t["scene"]);
        Assert.Equal(5, ds.Views.Count);
        Assert.All(ds.Views, v => Assert.NotNull(v.Mask));
        var scale = Similarity.FromMatrix4(ds.ScaleMat!);
        var toNormalised = scale.Inverse();
        var lm = LandmarkFiles.Read3D(capture.Path3("gt", "landmarks.json"));
        var rig = capture.Rig;
        for (int i = 0; i < 5; i++)
            foreach (var (name, p) in lm.Points)
            {
                var (u0, v0, _) = PinholeCamera.Project(rig.Cameras[i].Intrinsics, rig.Cameras[i].CameraToWorld, p.X, p.Y, p.Z);
                var n = toNormalised.Apply([p.X, p.Y, p.Z]);
                var (u1, v1, _) = PinholeCamera.Project(ds.Views[i], n[0], n[1], n[2]);
                Assert.True(Math.Abs(u1 - u0) < 1e-6 && Math.Abs(v1 - v0) < 1e-6, $"{name} in view {i}: ({u1}, {v1}) vs ({u0}, {v0})");
            }
        // The normalised sphere (radius 0.3) holds the head: GT vertices within ~1.25 sphere radii of the origin, most inside.
        var gt = HeadRecon.IO.Ply.Read(capture.Path3("gt", "mesh.ply"));
        var normalised = toNormalised.Apply(gt);
        var r = Enumerable.Range(0, normalised.VertexCount).Select(i => Math.Sqrt(Math.Pow(normalised.Vertices[3 * i], 2) + Math.Pow(normalised.Vertices[3 * i + 1], 2) + Math.Pow(normalised.Vertices[3 * i + 2], 2))).ToArray();
        Assert.True(r.Max() < 0.3 * 1.3, $"farthest GT vertex at {r.Max():F3}");
        Assert.True(r.Count(x => x < 0.3) > 0.8 * r.Length);
        Assert.True(report.Sphere.PointsUsed > 50);
        Assert.True(File.Exists(t["scene/cameras.png"]) && File.Exists(t["scene/scene.json"]) && File.Exists(t["scene/landmarks2d.json"]));
        Assert.Contains("dataset.img_res=[64, 64]", report.ToString());
    }

    [Fact]
    public void Cropping_and_resizing_move_intrinsics_masks_and_landmarks_together()
    {
        using var t = new TempDir();
        var report = capture.Import(t["scene"], 3, crop: true, size: 40);
        Assert.Equal((40, 40), (report.Width, report.Height));
        var ds = LoadScene(t["scene"]);
        var toNormalised = Similarity.FromMatrix4(ds.ScaleMat!).Inverse();
        var lm = LandmarkFiles.Read3D(capture.Path3("gt", "landmarks.json"));
        var lm2d = LandmarkFiles.Read2D(t["scene/landmarks2d.json"]);
        var original = LandmarkFiles.Read2D(capture.Path3("landmarks2d.json"));
        var rig = capture.Rig;
        int[] subset = CaptureSceneWriter.ThreeViewSubset;
        for (int i = 0; i < 3; i++)
        {
            var view = ds.Views[i];
            Assert.Equal((40, 40), (view.Width, view.Height));
            var centre = toNormalised.Apply(rig.HeadToWorld.Apply([0, 0, 0]));
            var (uc, vc, _) = PinholeCamera.Project(view, centre[0], centre[1], centre[2]);
            Assert.Equal(1f, view.Mask![(int)Math.Round(vc) * 40 + (int)Math.Round(uc)]);   // the head's centre projects onto the cropped mask
            var tip = toNormalised.Apply([lm[HeadLandmarks.NoseTip].X, lm[HeadLandmarks.NoseTip].Y, lm[HeadLandmarks.NoseTip].Z]);
            var (u, v, _) = PinholeCamera.Project(view, tip[0], tip[1], tip[2]);
            // The rewritten 2D landmarks are where the new camera sees the old pixel: same offset from the exact projection, scaled.
            string source = rig.Cameras[subset[i]].Name;
            var cam = rig.Cameras[subset[i]];
            var (u0, v0, _) = PinholeCamera.Project(cam.Intrinsics, cam.CameraToWorld, lm[HeadLandmarks.NoseTip].X, lm[HeadLandmarks.NoseTip].Y, lm[HeadLandmarks.NoseTip].Z);
            if (!original.Views[source].TryGetValue(HeadLandmarks.NoseTip, out var o)) continue;
            var n = lm2d.Views[view.ViewName][HeadLandmarks.NoseTip];
            double s = view.Fx / cam.Intrinsics[0];
            Assert.Equal(u + (o.U - u0) * s, n.U, 6);
            Assert.Equal(v + (o.V - v0) * s, n.V, 6);
        }
    }

    [Fact]
    public void Unsupported_models_large_distortion_and_inverted_poses_fail_with_one_clear_message()
    {
        using var t = new TempDir();
        var model = ColmapModel.Read(capture.Path3("colmap", "3"));
        string Write(string name, ColmapModel m) { string d = t[name]; m.WriteText(d); return d; }

        var fisheye = model with { Cameras = model.Cameras.Select(c => c with { Model = "OPENCV_FISHEYE", Params = [c.Params[0], c.Params[1], c.Params[2], c.Params[3], 0, 0, 0, 0] }).ToList() };
        var ex = Assert.Throws<DatasetException>(() => ColmapImport.Load(Write("fisheye", fisheye), capture.Path3("images")));
        Assert.Contains("OPENCV_FISHEYE", ex.Message);
        Assert.Contains("image_undistorter", ex.Message);

        ColmapModel Radial(double k) => model with { Cameras = model.Cameras.Select(c => c with { Model = "SIMPLE_RADIAL", Params = [c.Params[0], c.Params[2], c.Params[3], k] }).ToList() };
        ex = Assert.Throws<DatasetException>(() => ColmapImport.Load(Write("radial", Radial(0.5)), capture.Path3("images")));
        Assert.Contains("px at the image border", ex.Message);
        var (small, _) = ColmapImport.Load(Write("tiny-radial", Radial(1e-5)), capture.Path3("images"));
        Assert.Equal(3, small.Count);

        ex = Assert.Throws<DatasetException>(() => ColmapImport.Load(capture.Path3("colmap", "3"), t["no-images"]));
        Assert.Contains("no-images", ex.Message);

        // Poses written as camera-to-world where COLMAP expects world-to-camera: the cameras look away from each other.
        var inverted = model with { Images = model.Images.Select(im => ColmapImage.FromCameraToWorld(im.Id, InvertRigid(im.CameraToWorld), im.CameraId, im.Name)).ToList(), Points = [] };
        var (cams, _) = ColmapImport.Load(Write("inverted", inverted), capture.Path3("images"));
        ex = Assert.Throws<DatasetException>(() => SceneImporter.Write(cams, null, new SceneImportOptions(t["out-inverted"]), "test"));
        Assert.Contains("world-to-camera", ex.Message);
        Assert.False(Directory.Exists(t["out-inverted"]));

        Directory.CreateDirectory(t["trunc"]);
        File.WriteAllBytes(Path.Combine(t["trunc"], "cameras.bin"), File.ReadAllBytes(capture.Path3("colmap", "3", "cameras.bin"))[..20]);
        File.Copy(capture.Path3("colmap", "3", "images.bin"), Path.Combine(t["trunc"], "images.bin"));
        Assert.Contains("truncated", Assert.Throws<DatasetException>(() => ColmapModel.Read(t["trunc"])).Message);

        Directory.CreateDirectory(t["busy"]);
        File.WriteAllText(t["busy/keep.txt"], "mine");
        var (ok, pts) = ColmapImport.Load(capture.Path3("colmap", "3"), capture.Path3("images"));
        Assert.Throws<IOException>(() => SceneImporter.Write(ok, pts, new SceneImportOptions(t["busy"]), "test"));
        Assert.Equal("mine", File.ReadAllText(t["busy/keep.txt"]));
    }

    /// <summary>The rigid inverse [Rᵀ | −Rᵀ·C] as a 4×4.</summary>
    static double[] InvertRigid(double[] m)
    {
        var (r, t) = PinholeCamera.WorldToCamera(m);
        return [r[0], r[1], r[2], t[0], r[3], r[4], r[5], t[1], r[6], r[7], r[8], t[2], 0, 0, 0, 1];
    }
}
