using HeadRecon.Data;
using HeadRecon.Notebooks;
using HeadRecon.Tests.Data.Import;
using Xunit;

namespace HeadRecon.Tests.Notebooks;

/// <summary>Notebook 08's capture steps outside the notebook: a folder that lacks a part is refused naming that part,
/// and import → landmark alignment on a synthetic capture lands near its true pose, with the display frame face-on.</summary>
[Collection("Notebooks")]
public sealed class NotebookCaptureTests(CaptureFixture capture) : IClassFixture<CaptureFixture>
{
    static string Template => Path.Combine(NotebookTests.RepoRoot(), "data", "pretrained", "template");

    static NotebookWorkspace Workspace(TempDir t)
    {
        Environment.SetEnvironmentVariable("HEADNB_CACHE", t["cache"]);
        try { return NotebookWorkspace.Open("smoke"); }
        finally { Environment.SetEnvironmentVariable("HEADNB_CACHE", null); }
    }

    [Fact]
    public void A_capture_folder_missing_a_part_is_refused_naming_it()
    {
        using var t = new TempDir();
        var ws = Workspace(t);
        string dir = t["mine"];
        Directory.CreateDirectory(dir);
        var e = Assert.ThrowsAny<IOException>(() => NotebookCapture.Open(ws, dir, Template));
        Assert.Contains(Path.Combine(dir, "images"), e.Message);

        Directory.CreateDirectory(Path.Combine(dir, "images"));
        e = Assert.ThrowsAny<IOException>(() => NotebookCapture.Open(ws, dir, Template));
        Assert.Contains("landmarks2d.json", e.Message);

        File.WriteAllText(Path.Combine(dir, "landmarks2d.json"), "{}");
        e = Assert.ThrowsAny<IOException>(() => NotebookCapture.Open(ws, dir, Template));
        Assert.Contains("no COLMAP model", e.Message);

        Assert.ThrowsAny<IOException>(() => NotebookCapture.Open(ws, t["absent"], Template));
    }

    [Fact]
    public void Import_and_alignment_land_near_the_true_pose_and_the_display_frame_faces_the_head()
    {
        using var t = new TempDir();
        var ws = Workspace(t);
        var c = NotebookCapture.Open(ws, capture.Capture, Template);
        Assert.True(c.HasGroundTruth);
        var (scene, summary) = c.Import();
        Assert.Equal(3, scene.Views.Count);
        Assert.Contains("3 views with masks", summary);
        var fit = c.Align(scene);
        Assert.True(File.Exists(Path.Combine(c.SceneDir, AlignmentFile.FileName)));
        // Against the shipped template's mean landmarks the origin error is a few mm (the person is not the mean head);
        // a wrong convention or frame is off by tens of degrees or a head's size.
        var err = c.AlignmentErrorAgainstTruth(scene, fit.Transform)!;
        Assert.True(err.Within(4, 0.05, 10), err.ToString());

        // Turned face-on: the GT nose tip is in front of (+z) and below (−y) the eye centres, the eyes left/right on x.
        var lm = LandmarkFiles.Read3D(Path.Combine(capture.Capture, "gt", "landmarks.json"));
        float[] P(string n) => c.Upright([(float)lm[n].X, (float)lm[n].Y, (float)lm[n].Z]);
        var (nose, re, le) = (P(HeadLandmarks.NoseTip), P(HeadLandmarks.RightEye), P(HeadLandmarks.LeftEye));
        Assert.True(nose[2] > (re[2] + le[2]) / 2 + 5, $"nose z {nose[2]}, eyes {re[2]}, {le[2]}");
        Assert.True(nose[1] < (re[1] + le[1]) / 2, $"nose y {nose[1]}, eyes {re[1]}, {le[1]}");
        Assert.True(Math.Abs(re[0] - le[0]) > 40, $"eyes x {re[0]}, {le[0]}");

        // The aligned template sits where the scan is: their bounding-box centres within a centimetre or two.
        var template = c.TemplateInCapture(scene, fit.Transform);
        var gt = c.GroundTruth()!;
        var (a, b) = (template.Bounds(), gt.Bounds());
        double d = Math.Sqrt(Math.Pow((a.Min.X + a.Max.X - b.Min.X - b.Max.X) / 2, 2) + Math.Pow((a.Min.Y + a.Max.Y - b.Min.Y - b.Max.Y) / 2, 2)
            + Math.Pow((a.Min.Z + a.Max.Z - b.Min.Z - b.Max.Z) / 2, 2));
        Assert.True(d < 25, $"template centre {d:F1} mm from the scan's");

        // Two captures with the same folder name do not share a cache entry.
        string copy = Path.Combine(t["elsewhere"], Path.GetFileName(capture.Capture));
        CopyTree(capture.Capture, copy);
        var other = NotebookCapture.Open(ws, copy, Template);
        Assert.Equal(c.Name, other.Name);
        Assert.NotEqual(c.Key, other.Key);
    }

    static void CopyTree(string from, string to)
    {
        foreach (var d in Directory.EnumerateDirectories(from, "*", SearchOption.AllDirectories)) Directory.CreateDirectory(Path.Combine(to, Path.GetRelativePath(from, d)));
        Directory.CreateDirectory(to);
        foreach (var f in Directory.EnumerateFiles(from, "*", SearchOption.AllDirectories)) File.Copy(f, Path.Combine(to, Path.GetRelativePath(from, f)));
    }
}
