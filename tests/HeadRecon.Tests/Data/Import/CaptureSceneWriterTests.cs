using HeadRecon.Data;
using HeadRecon.Data.Synthetic;
using Xunit;

namespace HeadRecon.Tests.Data.Import;

[Collection("Capture")]
public class CaptureSceneWriterTests(CaptureFixture capture)
{
    [Fact]
    public void The_rig_is_a_capture_at_400_to_700_mm_with_an_arbitrary_known_pose()
    {
        var rig = capture.Rig;
        Assert.Equal(5, rig.Cameras.Count);
        var head = rig.HeadToWorld.Apply([0, 0, 0]);
        foreach (var c in rig.Cameras)
        {
            double d = Math.Sqrt(Enumerable.Range(0, 3).Sum(a => Math.Pow(c.Centre[a] - head[a], 2)));
            Assert.InRange(d, 380, 720);   // 400–700 mm to the look-at point, which is near the head's origin
            var (u, v, depth) = PinholeCamera.Project(c.Intrinsics, c.CameraToWorld, head[0], head[1], head[2]);
            Assert.True(depth > 0 && u > 0 && v > 0 && u < c.Width && v < c.Height, "every camera sees the head");
        }
        Assert.Equal(SyntheticHead.MillimetresPerUnit, rig.HeadToWorld.Scale);
        Assert.True(rig.HeadToWorld.RotationDegrees > 1, "the world's axes are not the head's");
        // The true world → template similarity undoes the pose and applies cam_scale.
        var truth = CaptureSceneWriter.ReadWorldToTemplate(capture.Path3("gt", "pose.json"));
        var p = truth.Apply(rig.HeadToWorld.Apply([0.3, -0.2, 0.9]));
        Assert.Equal(0.3 * 0.15, p[0], 9); Assert.Equal(-0.2 * 0.15, p[1], 9); Assert.Equal(0.9 * 0.15, p[2], 9);
    }

    [Fact]
    public void Ground_truth_mesh_landmarks_and_2d_landmarks_agree()
    {
        var gt = HeadRecon.IO.Ply.Read(capture.Path3("gt", "mesh.ply"));
        var lm = LandmarkFiles.Read3D(capture.Path3("gt", "landmarks.json"));
        Assert.Equal(HeadLandmarks.All.Length, lm.Points.Count);
        // Landmarks lie on the GT surface (within a voxel of the 64-voxel extraction, in mm).
        double voxel = 2.9 * SyntheticHead.MillimetresPerUnit / 64;
        var d = HeadRecon.Evaluation.ChamferDistance.NearestDistances(lm.Points.Values.SelectMany(p => new[] { (float)p.X, (float)p.Y, (float)p.Z }).ToArray(), gt.Vertices);
        Assert.All(d, x => Assert.True(x < voxel, $"{x} mm"));
        // 2D landmarks: the projections (0.3 px noise) of visible landmarks; the frontal view sees all six H3DS ones.
        var lm2d = LandmarkFiles.Read2D(capture.Path3("landmarks2d.json"));
        var front = lm2d.Views[CaptureSceneWriter.ViewName(2)];
        Assert.All(HeadLandmarks.H3dsOrder, n => Assert.True(front.ContainsKey(n), n));
        var cam = capture.Rig.Cameras[2];
        foreach (var (name, (u, v)) in front)
        {
            var p = lm[name];
            var (pu, pv, _) = PinholeCamera.Project(cam.Intrinsics, cam.CameraToWorld, p.X, p.Y, p.Z);
            Assert.True(Math.Abs(pu - u) < 2 && Math.Abs(pv - v) < 2, $"{name}: ({u}, {v}) vs ({pu}, {pv})");
        }
        Assert.True(lm2d.Views.Values.Sum(v => v.Count) < 5 * HeadLandmarks.All.Length, "occluded landmarks are left out of side views");
    }

    [Fact]
    public void Same_options_same_bytes_and_held_out_seeds()
    {
        using var t = new TempDir();
        var o = capture.Options with { OutDir = t["again"], Resolution = 24, GtResolution = 24, SparsePoints = 40 };
        var o2 = o with { OutDir = t["again2"] };
        CaptureSceneWriter.Write(o);
        CaptureSceneWriter.Write(o2);
        foreach (var f in new[] { "images/view_1.png", "masks/view_3.png", "colmap/3/images.bin", "colmap/5/points3D.txt", "landmarks2d.json", "gt/pose.json", "gt/mesh.ply" })
            Assert.Equal(File.ReadAllBytes(Path.Combine(t["again"], "capture_01", f)), File.ReadAllBytes(Path.Combine(t["again2"], "capture_01", f)));
        // No capture identity is one of the default training family's heads (seed 0, up to 899 identities).
        var family = Enumerable.Range(0, 899).Select(i => HeadFamily.CandidateSeed(0, i)).ToHashSet();
        Assert.DoesNotContain(Enumerable.Range(0, 20).Select(i => CaptureSceneWriter.IdentitySeed(0, i)), family.Contains);
        Assert.Contains("not empty", CaptureSceneWriter.Validate(o)!);
    }
}
