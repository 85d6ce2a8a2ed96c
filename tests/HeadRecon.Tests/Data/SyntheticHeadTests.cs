using HeadRecon.Config;
using HeadRecon.Data;
using HeadRecon.Data.Synthetic;
using Xunit;

namespace HeadRecon.Tests.Data;

/// <summary>Generates 2 identities × 30 views at 64² (GT mesh at 64 voxels) once for the class.</summary>
public sealed class SmallSyntheticFamily : IDisposable
{
    public SmallSyntheticFamily()
    {
        Dir = new TempDir();
        Options = new SynthOptions(Dir["family"], Identities: 2, Views: 30, Resolution: 64, Seed: 5, Expressions: true, GtResolution: 64);
        Report = SyntheticHeadWriter.Write(Options);
    }

    public TempDir Dir { get; }
    public SynthOptions Options { get; }
    public SynthReport Report { get; }
    public string Root => Options.OutDir;

    public HeadDataset Load(string viewJson = "15_view.json", int viewNum = 15) => PrDataset.Load(new DatasetOptions
    {
        DataDir = Root, ImgRes = [64, 64], ScanId = "-1", CamScale = 0.15, IdList = "id.txt", InitViewPath = viewJson, SparseViewNum = viewNum,
    });

    public void Dispose() => Dir.Dispose();
}

public class SyntheticHeadTests(SmallSyntheticFamily family) : IClassFixture<SmallSyntheticFamily>
{
    [Fact]
    public void Writes_the_pr_layout()
    {
        Assert.Equal("101\n102\n", File.ReadAllText(Path.Combine(family.Root, "id.txt")));
        foreach (var id in new[] { "101", "102" })
        {
            for (int v = 1; v <= 30; v++) Assert.True(File.Exists(Path.Combine(family.Root, id, $"{v:D2}.png")));
            Assert.True(File.Exists(Path.Combine(family.Root, id, "cameraParameters.xml")));
            Assert.True(File.Exists(Path.Combine(family.Root, "gt", id + ".ply")));
            Assert.True(File.Exists(Path.Combine(family.Root, "gt", id + ".json")));
        }
        foreach (int k in new[] { 3, 5, 15 })
        {
            var sel = PrDataset.ReadViewJson(Path.Combine(family.Root, $"{k}_view.json"), k);
            Assert.All(sel.Values, views => Assert.Contains(15, views));
        }
    }

    [Fact]
    public void A_small_rig_writes_only_the_view_splits_it_can_fill()
    {
        using var dir = new TempDir();
        SyntheticHeadWriter.Write(new SynthOptions(dir.Path, 1, 15, 16, WriteGroundTruth: false));
        var written = new[] { 3, 5, 15 }.Where(k => File.Exists(Path.Combine(dir.Path, $"{k}_view.json"))).ToList();
        Assert.Contains(15, written);
        // Every split that exists is one the loader accepts (a short list would be rejected at training time).
        foreach (int k in written) Assert.All(PrDataset.ReadViewJson(Path.Combine(dir.Path, $"{k}_view.json"), k).Values, v => Assert.Equal(k, v.Length));
    }

    [Fact]
    public void Loader_reads_the_family_with_scaled_cameras_in_the_scene_sphere()
    {
        var ds = family.Load();
        Assert.Equal(30, ds.Views.Count);
        Assert.Equal(["101", "102"], ds.IdentityNames);
        Assert.Equal([0, 1], ds.Views.Select(v => v.IdentityIndex).Distinct());
        var v = ds.Views[0];
        Assert.Equal(64 / 2.0 + HeadRig.CxOffsetFraction * 64, v.Cx, 9);
        Assert.Equal(64 / 2.0 + HeadRig.CyOffsetFraction * 64, v.Cy, 9);
        var s = ds.Summarize(3.0);
        Assert.Empty(s.Warnings);
        Assert.InRange(s.MinCameraDistance, 1.0, 1.5);
        Assert.InRange(s.MaxCameraDistance, 1.0, 1.5);
    }

    [Fact]
    public void Ground_truth_vertices_fit_the_scaled_grid_and_project_inside_the_masks()
    {
        var ds = family.Load("", 0);
        foreach (var id in ds.IdentityNames)
        {
            var verts = PlyWriter.ReadVertices(Path.Combine(family.Root, "gt", id + ".ply"));
            Assert.True(verts.Length > 3000);
            // vertices lie on the analytic zero level set up to the linear interpolation along a grid edge (within a
            // voxel's fraction where the surface curves fast: ears, lips)
            var head = new SyntheticHead(HeadFamily.Load(Path.Combine(family.Root, "gt", "family.json"))[ds.IdentityNames.ToList().IndexOf(id)]);
            var (bmin, bmax) = SyntheticHead.Bounds;
            double voxel = Math.Max(bmax.X - bmin.X, Math.Max(bmax.Y - bmin.Y, bmax.Z - bmin.Z)) / family.Options.GtResolution;
            for (int i = 0; i < verts.Length; i += 3 * 13)
                Assert.InRange(head.Distance(new Vector3d(verts[i], verts[i + 1], verts[i + 2])), -0.75 * voxel, 0.75 * voxel);
            // every head fits the grid of confs/cpu_geometry.conf: ±2.2 XML units
            Assert.All(verts, c => Assert.InRange(c, -2.2, 2.2));
            foreach (var view in ds.Views.Where(v => v.IdentityName == id))
            {
                int inside = 0, total = 0;
                for (int i = 0; i < verts.Length; i += 3 * 7)
                {
                    // the loader scaled the camera translation by 0.15, so scale the mesh the same way
                    var (u, vv, depth) = PinholeCamera.Project(view, verts[i] * 0.15, verts[i + 1] * 0.15, verts[i + 2] * 0.15);
                    Assert.True(depth > 0);
                    total++;
                    int c = (int)Math.Round(u), r = (int)Math.Round(vv);
                    if (c >= 0 && r >= 0 && c < view.Width && r < view.Height && NearMask(view, c, r)) inside++;
                }
                Assert.True(inside >= 0.99 * total, $"{id}/{view.ViewName}: {inside}/{total} GT vertices project inside the mask");
            }
        }
    }

    /// <summary>Mask hit at the nearest pixel or a 4-neighbour: a vertex on the silhouette may round half a pixel out.</summary>
    static bool NearMask(HeadView v, int c, int r)
    {
        foreach (var (dc, dr) in new[] { (0, 0), (1, 0), (-1, 0), (0, 1), (0, -1) })
        {
            int cc = c + dc, rr = r + dr;
            if (cc >= 0 && rr >= 0 && cc < v.Width && rr < v.Height && v.Mask![rr * v.Width + cc] > 0.5f) return true;
        }
        return false;
    }

    [Fact]
    public void Rays_through_mask_pixels_hit_the_analytic_surface_and_background_rays_miss()
    {
        var ds = family.Load("3_view.json", 3);
        var (bmin, bmax) = SyntheticHead.Bounds;
        foreach (var view in ds.Views)
        {
            var head = new SyntheticHead(HeadFamily.Load(Path.Combine(family.Root, "gt", "family.json"))[view.IdentityIndex]);
            var batch = ds.SamplePixels(new Random(3), ds.Views.ToList().IndexOf(view), 200);
            var (o, d) = PinholeCamera.Compute(view, batch.Uv);
            var origin = new Vector3d(o[0] / 0.15, o[1] / 0.15, o[2] / 0.15); // back to XML units
            for (int i = 0; i < batch.Count; i++)
            {
                int p = (int)batch.Uv[2 * i + 1] * view.Width + (int)batch.Uv[2 * i];
                bool hit = HeadRenderer.Trace(head, origin, new Vector3d(d[3 * i], d[3 * i + 1], d[3 * i + 2]), bmin, bmax, out _);
                Assert.Equal(view.Mask![p] > 0.5f, hit);
                if (!hit) Assert.Equal([1f, 1f, 1f], batch.Rgb.AsSpan(3 * i, 3).ToArray());
            }
        }
    }

    [Fact]
    public void Sdf_is_close_to_a_distance()
    {
        var head = new SyntheticHead(HeadParameters.Random(11, true));
        var rng = new Random(4);
        var (bmin, bmax) = SyntheticHead.Bounds;
        double near = 0, far = 0;
        for (int i = 0; i < 20000; i++)
        {
            var a = new Vector3d(bmin.X + rng.NextDouble() * (bmax.X - bmin.X), bmin.Y + rng.NextDouble() * (bmax.Y - bmin.Y), bmin.Z + rng.NextDouble() * (bmax.Z - bmin.Z));
            var b = a + new Vector3d(rng.NextDouble() - 0.5, rng.NextDouble() - 0.5, rng.NextDouble() - 0.5) * 0.02;
            double da = head.Distance(a), db = head.Distance(b);
            // sphere tracing only walks the exterior and the surface band; deep inside, iq's ellipsoid bound is not 1-Lipschitz (irrelevant)
            if (da < -0.05 || db < -0.05) continue;
            double ratio = Math.Abs(da - db) / (a - b).Length;
            if (Math.Max(da, db) < HeadRenderer.FarField) near = Math.Max(near, ratio); else far = Math.Max(far, ratio);
        }
        // The tracer's step factor times the Lipschitz ratio must stay below 1, or a step can cross the surface.
        Assert.True(near is > 0.5 and < 1 / HeadRenderer.NearStep, $"max |Δsdf|/|Δx| near the surface = {near:F3}");
        Assert.True(far * HeadRenderer.FarStep < 1, $"max |Δsdf|/|Δx| far from the surface = {far:F3}");
    }

    [Fact]
    public void Same_seed_gives_identical_bytes()
    {
        using var t = new TempDir();
        var a = new SynthOptions(t["a"], Identities: 1, Views: 15, Resolution: 32, Seed: 9, GtResolution: 32);
        SyntheticHeadWriter.Write(a);
        SyntheticHeadWriter.Write(a with { OutDir = t["b"] });
        var files = Directory.GetFiles(t["a"], "*", SearchOption.AllDirectories).Select(f => Path.GetRelativePath(t["a"], f)).Order().ToList();
        Assert.Equal(files, Directory.GetFiles(t["b"], "*", SearchOption.AllDirectories).Select(f => Path.GetRelativePath(t["b"], f)).Order());
        Assert.Contains(Path.Combine("101", "15.png"), files);
        foreach (var f in files) Assert.True(File.ReadAllBytes(Path.Combine(t["a"], f)).AsSpan().SequenceEqual(File.ReadAllBytes(Path.Combine(t["b"], f))), f);
        // a different seed changes the head
        SyntheticHeadWriter.Write(a with { OutDir = t["c"], Seed = 10 });
        Assert.False(File.ReadAllBytes(Path.Combine(t["a"], "101", "15.png")).AsSpan().SequenceEqual(File.ReadAllBytes(Path.Combine(t["c"], "101", "15.png"))));
    }

    [Theory]
    [InlineData(0, 30, 64)]
    [InlineData(2, 14, 64)]
    [InlineData(2, 30, 8)]
    public void Invalid_arguments_write_nothing(int ids, int views, int res)
    {
        using var t = new TempDir();
        var o = new SynthOptions(t["out"], ids, views, res);
        Assert.NotNull(SyntheticHeadWriter.Validate(o));
        Assert.Throws<ArgumentException>(() => SyntheticHeadWriter.Write(o));
        Assert.False(Directory.Exists(t["out"]));
    }

    [Fact]
    public void Refuses_a_non_empty_output_directory()
    {
        using var t = new TempDir();
        File.WriteAllText(t["keep.txt"], "x");
        Assert.Throws<ArgumentException>(() => SyntheticHeadWriter.Write(new SynthOptions(t.Path, 1, 15, 32)));
        Assert.Equal(["keep.txt"], Directory.GetFileSystemEntries(t.Path).Select(Path.GetFileName));
    }

    [Fact]
    public void Cli_command_generates_and_rejects_bad_arguments()
    {
        using var t = new TempDir();
        var cmd = HeadRecon.Cli.Commands.SynthCommand.Create();
        Assert.Equal(2, cmd.Parse(["--out", t["bad"], "--res", "4"]).Invoke());
        Assert.False(Directory.Exists(t["bad"]));
        Assert.Equal(0, cmd.Parse(["--out", t["ok"], "--identities", "1", "--views", "15", "--res", "24", "--no-gt"]).Invoke());
        Assert.True(File.Exists(Path.Combine(t["ok"], "101", "15.png")));
        Assert.False(Directory.Exists(Path.Combine(t["ok"], "gt")));
    }
}

public class HeadFamilyTests
{
    [Fact]
    public void Family_is_spread_apart_and_stable()
    {
        var a = HeadFamily.Draw(3, 4);
        var b = HeadFamily.Draw(3, 4);
        Assert.Equal(a.Select(p => p.Seed), b.Select(p => p.Seed));
        var heads = a.Select(p => new SyntheticHead(p)).ToList();
        var surfaces = heads.Select(h => HeadFamily.SurfacePoints(h.BaseDistance, 36, 800)).ToList();
        // Farthest-point selection: every identity is farther from the ones before it than a plain draw's nearest pair.
        var plain = Enumerable.Range(0, 4).Select(k => new SyntheticHead(HeadParameters.Random(HeadFamily.CandidateSeed(3, k), false))).ToList();
        var plainSurfaces = plain.Select(h => HeadFamily.SurfacePoints(h.BaseDistance, 36, 800)).ToList();
        double Nearest(IReadOnlyList<SyntheticHead> h, IReadOnlyList<Vector3d[]> s) =>
            Enumerable.Range(0, h.Count).SelectMany(i => Enumerable.Range(i + 1, h.Count - i - 1).Select(j => HeadFamily.MeanSurfaceDistance(h[i], s[i], h[j], s[j]))).Min();
        Assert.True(Nearest(heads, surfaces) > Nearest(plain, plainSurfaces), "farthest-point selection should beat the first four draws");
        Assert.True(Nearest(heads, surfaces) > 0.03, $"nearest pair {Nearest(heads, surfaces):F4}");
    }

    [Fact]
    public void Landmarks_lie_on_the_surface_in_anatomical_order()
    {
        var head = new SyntheticHead(HeadFamily.Draw(1, 1)[0]);
        var l = head.Landmarks();
        Assert.Equal(HeadLandmarks.All.Order(), l.Points.Keys.Order());
        foreach (var (name, p) in l.Points) Assert.True(Math.Abs(head.Distance(p)) < 1e-3, $"{name} off the surface by {head.Distance(p):g3}");
        // the subject's right is −x; nose tip in front of the eyes; mouth below the nose, chin lowest
        Assert.True(l[HeadLandmarks.RightEye].X < 0 && l[HeadLandmarks.LeftEye].X > 0);
        Assert.True(l[HeadLandmarks.NoseTip].Z > l[HeadLandmarks.RightEye].Z + 0.1);
        Assert.True(l[HeadLandmarks.NoseTip].Y > l[HeadLandmarks.NoseBase].Y && l[HeadLandmarks.NoseBase].Y > l[HeadLandmarks.MouthLeft].Y);
        Assert.True(l[HeadLandmarks.Chin].Y < l[HeadLandmarks.MouthRight].Y);
    }

    [Fact]
    public void Held_out_identities_and_the_family_file_round_trip()
    {
        using var t = new TempDir();
        var o = new SynthOptions(t["a"], Identities: 3, Views: 15, Resolution: 24, Seed: 2, GtResolution: 24) { HeldOut = 1, RenderOnly = ["103"] };
        SyntheticHeadWriter.Write(o);
        Assert.Equal("101\n102\n", File.ReadAllText(Path.Combine(t["a"], "id.txt")));
        Assert.Equal("103\n", File.ReadAllText(Path.Combine(t["a"], "heldout.txt")));
        Assert.False(Directory.Exists(Path.Combine(t["a"], "101")));
        Assert.True(File.Exists(Path.Combine(t["a"], "103", "15.png")));
        Assert.True(File.Exists(Path.Combine(t["a"], "gt", "101.ply")));
        var family = HeadFamily.Load(Path.Combine(t["a"], "gt", "family.json"));
        Assert.Equal(System.Text.Json.JsonSerializer.Serialize(HeadFamily.Draw(2, 3)), System.Text.Json.JsonSerializer.Serialize(family));
        // rendering from the family file gives the same bytes as drawing
        SyntheticHeadWriter.Write(o with { OutDir = t["b"], Family = family, Seed = 99 });
        Assert.True(File.ReadAllBytes(Path.Combine(t["a"], "103", "15.png")).AsSpan().SequenceEqual(File.ReadAllBytes(Path.Combine(t["b"], "103", "15.png"))));
        // the 3-view split of an unseen person uses frontal cameras only
        var cams = HeadRig.Cameras(15, 24);
        foreach (int v in HeadRig.SpreadSelection(cams, 3, HeadRig.FewViewMaxAngle))
            Assert.True(cams[v - 1].Direction.Z >= Math.Cos(HeadRig.FewViewMaxAngle * Math.PI / 180) - 1e-9);
    }
}
