using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using HeadRecon.Data.Import;
using HeadRecon.IO;
using HeadRecon.Meshing;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;

namespace HeadRecon.Data.Synthetic;

/// <summary>What `headrecon synth --scene capture` generates.</summary>
/// <param name="LandmarkNoisePx">standard deviation of the Gaussian pixel noise on the 2D landmarks (0 = exact projections).</param>
/// <param name="SparsePoints">surface points written to points3D (plus 5 % background outliers).</param>
public sealed record CaptureSceneOptions(
    string OutDir,
    int Identities = 3,
    int Resolution = 512,
    int Seed = 0,
    double LandmarkNoisePx = 0.5,
    int GtResolution = 192,
    bool WriteGroundTruth = true,
    int SparsePoints = 400);

/// <summary>One capture's cameras in the world (mm) and the head's pose: x_world = 75·R·x_head + t.</summary>
public sealed record CaptureRig(Similarity HeadToWorld, IReadOnlyList<ImportCamera> Cameras, IReadOnlyList<double> AzimuthsDeg);

/// <summary>
/// Synthetic captures in a real capture's frame, to test import → alignment → fine-tune → H3DS evaluation end to end.
/// Each held-out identity (seeds disjoint from <see cref="SyntheticHeadWriter"/>'s families) gets an arbitrary pose in
/// a millimetre world (uniformly random rotation, offset up to ±500 mm), five cameras in front of the face at
/// 400–700 mm (azimuths −60…60° with jitter, elevations −10…15°, small roll, focal lengths framing the head, principal
/// points off-centre), Resolution² RGB images on a grey backdrop with masks, and a COLMAP model of the same cameras
/// for all five views and for the three-view subset (−60°, 0°, 60°), as text and binary, with sparse points.
/// Layout per identity: images/view_K.png, masks/view_K.png, colmap/{5,3}/ (cameras, images, points3D .txt and .bin),
/// landmarks2d.json (projected visible GT landmarks with pixel noise, scene pixel convention), and gt/: mesh.ply and
/// landmarks.json (world mm) and pose.json (head → world, and world → template for a template trained on the
/// synthetic family with cam_scale 0.15). Byte-deterministic for given options.
/// </summary>
public static class CaptureSceneWriter
{
    public static readonly int[] ViewCounts = [5, 3];
    public static readonly int[] ThreeViewSubset = [0, 2, 4];
    static readonly double[] Azimuths = [-60, -30, 0, 30, 60];
    /// <summary>cam_scale of the synthetic family's PR loader: its template's frame is the head frame × 0.15.</summary>
    public const double TemplateCamScale = 0.15;

    public static string IdentityName(int index) => $"capture_{index + 1:D2}";

    /// <summary>Held-out identity seeds: another progression than <see cref="HeadFamily.CandidateSeed"/>, so no
    /// capture is one of a training family's heads.</summary>
    public static int IdentitySeed(int seed, int index) => unchecked(1_000_003 + seed * 7_368_787 + index * 15_485_863);

    public static string? Validate(CaptureSceneOptions o)
    {
        if (string.IsNullOrWhiteSpace(o.OutDir)) return "--out must name a directory";
        if (o.Identities < 1 || o.Identities > 99) return $"--identities must be in 1..99 for capture scenes (got {o.Identities})";
        if (o.Resolution < 16 || o.Resolution > 4096) return $"--res must be in 16..4096 (got {o.Resolution})";
        if (o.GtResolution < 16 || o.GtResolution > 1024) return $"--gt-res must be in 16..1024 (got {o.GtResolution})";
        if (!(o.LandmarkNoisePx >= 0)) return $"--landmark-noise must be ≥ 0 (got {o.LandmarkNoisePx})";
        if (File.Exists(o.OutDir)) return $"{o.OutDir}: exists and is a file";
        if (Directory.Exists(o.OutDir) && Directory.EnumerateFileSystemEntries(o.OutDir).Any()) return $"{o.OutDir}: directory is not empty; refusing to mix generated data";
        return null;
    }

    /// <summary>The pose and the five cameras of identity <paramref name="identitySeed"/> (deterministic).</summary>
    public static CaptureRig Rig(int identitySeed, int resolution)
    {
        var rng = new Random(unchecked(identitySeed * 31 + 17));
        double U(double a, double b) => a + (b - a) * rng.NextDouble();
        // Uniform random rotation (Shoemake) and an offset: the world knows nothing of the head's axes.
        double u1 = rng.NextDouble(), u2 = rng.NextDouble(), u3 = rng.NextDouble();
        var q = (Math.Sqrt(u1) * Math.Cos(2 * Math.PI * u3), Math.Sqrt(1 - u1) * Math.Sin(2 * Math.PI * u2), Math.Sqrt(1 - u1) * Math.Cos(2 * Math.PI * u2), Math.Sqrt(u1) * Math.Sin(2 * Math.PI * u3));
        var pose = new Similarity(SyntheticHead.MillimetresPerUnit, Rotations.FromQuaternion(q.Item1, q.Item2, q.Item3, q.Item4), [U(-500, 500), U(-500, 500), U(-500, 500)]);
        var cams = new List<ImportCamera>();
        var az = new List<double>();
        double mm = SyntheticHead.MillimetresPerUnit;
        for (int k = 0; k < Azimuths.Length; k++)
        {
            double a = (Azimuths[k] + U(-5, 5)) * Math.PI / 180, e = U(-10, 15) * Math.PI / 180, d = U(400, 700) / mm;
            var target = new Vector3d(U(-0.1, 0.1), -0.15 + U(-0.1, 0.1), 0.2 + U(-0.1, 0.1));
            var eye = target + new Vector3d(Math.Sin(a) * Math.Cos(e), Math.Sin(e), Math.Cos(a) * Math.Cos(e)) * d;
            var c2wHead = LookAt(eye, target, U(-3, 3) * Math.PI / 180);
            // The head spans about ±130 mm: frame it to ~85 % of the half-image at this distance, ±8 %.
            double f = 0.85 * (resolution / 2.0) * d / (150 / mm) * U(0.92, 1.08);
            double[] kk = [f, 0, resolution / 2.0 - 0.5 + U(-0.01, 0.01) * resolution, 0, f, resolution / 2.0 - 0.5 + U(-0.01, 0.01) * resolution, 0, 0, 1];
            cams.Add(new ImportCamera(ViewName(k), "", resolution, resolution, kk, pose.ApplyToCameraToWorld(c2wHead)));
            az.Add(a * 180 / Math.PI);
        }
        return new CaptureRig(pose, cams, az);
    }

    public static string ViewName(int k) => $"view_{k}.png";

    /// <summary>OpenCV camera-to-world looking from eye at target with the head's +y up, rolled about the optical axis.</summary>
    static double[] LookAt(Vector3d eye, Vector3d target, double roll)
    {
        var z = (target - eye).Normalized();
        var x0 = Vector3d.Cross(z, new Vector3d(0, 1, 0)).Normalized();
        var y0 = Vector3d.Cross(z, x0);
        var x = x0 * Math.Cos(roll) + y0 * Math.Sin(roll);
        var y = Vector3d.Cross(z, x);
        return [x.X, y.X, z.X, eye.X, x.Y, y.Y, z.Y, eye.Y, x.Z, y.Z, z.Z, eye.Z, 0, 0, 0, 1];
    }

    /// <summary>The camera in the head's own frame and units (what <see cref="HeadRenderer"/> traces).</summary>
    static RigCamera InHeadFrame(int view, ImportCamera cam, Similarity headToWorld) =>
        new(view + 1, cam.Intrinsics, headToWorld.Inverse().ApplyToCameraToWorld(cam.CameraToWorld), new Vector3d(0, 0, 1));

    /// <summary>The head's surface extracted at GtResolution voxels across, in the world (mm).</summary>
    public static Mesh GroundTruthMesh(SyntheticHead head, Similarity headToWorld, int voxelsAcross)
    {
        var (bmin, bmax) = SyntheticHead.Bounds;
        double extent = Math.Max(bmax.X - bmin.X, Math.Max(bmax.Y - bmin.Y, bmax.Z - bmin.Z));
        var t = SurfaceExtraction.Extract(head.Distance, bmin, bmax, extent / voxelsAcross);
        return headToWorld.Apply(new Mesh(t.Vertices, t.Triangles));
    }

    public static SynthReport Write(CaptureSceneOptions o, Action<string>? log = null)
    {
        string? problem = Validate(o);
        if (problem is not null) throw new ArgumentException(problem);
        var total = Stopwatch.StartNew();
        Directory.CreateDirectory(o.OutDir);
        var names = new List<string>();
        var render = TimeSpan.Zero;
        var gtTime = TimeSpan.Zero;
        for (int i = 0; i < o.Identities; i++)
        {
            string name = IdentityName(i);
            names.Add(name);
            int seed = IdentitySeed(o.Seed, i);
            var head = new SyntheticHead(HeadParameters.Random(seed, false));
            var rig = Rig(seed, o.Resolution);
            string dir = Path.Combine(o.OutDir, name);
            var sw = Stopwatch.StartNew();
            WriteImages(dir, head, rig, o.Resolution);
            render += sw.Elapsed;
            var rng = new Random(unchecked(seed * 7 + 3));
            WriteLandmarks2D(dir, head, rig, o.LandmarkNoisePx, rng);
            sw.Restart();
            var mesh = GroundTruthMesh(head, rig.HeadToWorld, o.WriteGroundTruth ? o.GtResolution : 64);
            WriteColmap(dir, head, rig, mesh, o.SparsePoints, rng);
            if (o.WriteGroundTruth)
            {
                Ply.Write(Path.Combine(dir, "gt", "mesh.ply"), mesh);
                var lm = head.Landmarks();
                var world = new HeadLandmarks(lm.Points.ToDictionary(kv => kv.Key, kv => ToVector(rig.HeadToWorld.Apply([kv.Value.X, kv.Value.Y, kv.Value.Z]))));
                LandmarkFiles.Write3D(Path.Combine(dir, "gt", "landmarks.json"), world, "mm", "capture world (the COLMAP model's frame)");
                WritePose(Path.Combine(dir, "gt", "pose.json"), seed, head, rig);
            }
            gtTime += sw.Elapsed;
            log?.Invoke($"{name}: 5 views at {o.Resolution}², COLMAP models for 5 and 3 views, ground truth {(o.WriteGroundTruth ? mesh.VertexCount + " vertices" : "skipped")} ({total.Elapsed.TotalSeconds:F1} s)");
        }
        return new SynthReport(names, render, gtTime, total.Elapsed);
    }

    static Vector3d ToVector(double[] p) => new(p[0], p[1], p[2]);

    static void WriteImages(string dir, SyntheticHead head, CaptureRig rig, int res)
    {
        Directory.CreateDirectory(Path.Combine(dir, "images"));
        Directory.CreateDirectory(Path.Combine(dir, "masks"));
        for (int k = 0; k < rig.Cameras.Count; k++)
        {
            var rgba = HeadRenderer.Render(head, InHeadFrame(k, rig.Cameras[k], rig.HeadToWorld), res, res);
            var rgb = new byte[res * res * 3];
            var mask = new byte[res * res];
            for (int p = 0; p < res * res; p++)
            {
                bool fg = rgba[4 * p + 3] > 0;
                mask[p] = fg ? (byte)255 : (byte)0;
                // A studio backdrop: a vertical grey-blue gradient, so only the masks separate the head.
                double t = (double)(p / res) / res;
                byte[] bg = [(byte)(150 - 50 * t), (byte)(160 - 50 * t), (byte)(172 - 50 * t)];
                for (int c = 0; c < 3; c++) rgb[3 * p + c] = fg ? rgba[4 * p + c] : bg[c];
            }
            using (var img = Image.LoadPixelData<Rgb24>(rgb, res, res)) img.SaveAsPng(Path.Combine(dir, "images", ViewName(k)));
            using (var m = Image.LoadPixelData<L8>(mask, res, res)) m.SaveAsPng(Path.Combine(dir, "masks", ViewName(k)));
        }
    }

    /// <summary>A surface point is seen by a camera when the first hit along the ray to it is the point itself.</summary>
    static bool Visible(SyntheticHead head, RigCamera cam, Vector3d p)
    {
        var eye = new Vector3d(cam.CameraToWorld[3], cam.CameraToWorld[7], cam.CameraToWorld[11]);
        var d = (p - eye).Normalized();
        var (bmin, bmax) = SyntheticHead.Bounds;
        return HeadRenderer.Trace(head, eye, d, bmin, bmax, out var hit) && (hit - p).Length < 0.02;
    }

    static double Gaussian(Random rng) => Math.Sqrt(-2 * Math.Log(1 - rng.NextDouble())) * Math.Cos(2 * Math.PI * rng.NextDouble());

    static void WriteLandmarks2D(string dir, SyntheticHead head, CaptureRig rig, double noise, Random rng)
    {
        var lm = head.Landmarks();
        var views = new Dictionary<string, IReadOnlyDictionary<string, (double U, double V)>>(StringComparer.Ordinal);
        for (int k = 0; k < rig.Cameras.Count; k++)
        {
            var cam = rig.Cameras[k];
            var headCam = InHeadFrame(k, cam, rig.HeadToWorld);
            var pts = new Dictionary<string, (double U, double V)>(StringComparer.Ordinal);
            foreach (var name in HeadLandmarks.All)
            {
                var p = lm[name];
                if (!Visible(head, headCam, p)) continue;
                var w = rig.HeadToWorld.Apply([p.X, p.Y, p.Z]);
                var (u, v, depth) = PinholeCamera.Project(cam.Intrinsics, cam.CameraToWorld, w[0], w[1], w[2]);
                u += noise * Gaussian(rng);
                v += noise * Gaussian(rng);
                if (depth > 0 && u >= -0.5 && v >= -0.5 && u < cam.Width - 0.5 && v < cam.Height - 0.5) pts[name] = (u, v);
            }
            views[cam.Name] = pts;
        }
        LandmarkFiles.Write2D(Path.Combine(dir, "landmarks2d.json"), new Landmarks2D(views));
    }

    static void WriteColmap(string dir, SyntheticHead head, CaptureRig rig, Mesh worldMesh, int count, Random rng)
    {
        // Sparse points: random surface samples seen by at least two cameras, plus background "wall" points.
        var samples = SurfaceSampler.Sample(worldMesh, count * 3, unchecked(rng.Next()));
        var headCams = rig.Cameras.Select((c, k) => InHeadFrame(k, c, rig.HeadToWorld)).ToList();
        var toHead = rig.HeadToWorld.Inverse();
        var points = new List<(double[] X, List<int> Views, bool Outlier)>();
        for (int s = 0; s < samples.Count && points.Count < count; s++)
        {
            double[] x = [samples.Points[3 * s], samples.Points[3 * s + 1], samples.Points[3 * s + 2]];
            var h = toHead.Apply(x);
            var seen = Enumerable.Range(0, headCams.Count).Where(k => Visible(head, headCams[k], ToVector(h))).ToList();
            if (seen.Count >= 2) points.Add((x, seen, false));
        }
        int outliers = Math.Max(1, count / 20);
        for (int s = 0; s < outliers; s++)
        {
            var cam = rig.Cameras[s % rig.Cameras.Count];
            var (o, d) = PinholeCamera.Compute(cam.Intrinsics, cam.CameraToWorld, [(float)(rng.NextDouble() * cam.Width), (float)(rng.NextDouble() * cam.Height)]);
            double depth = 1200 + 600 * rng.NextDouble();
            double[] x = [o[0] + depth * d[0], o[1] + depth * d[1], o[2] + depth * d[2]];
            var seen = Enumerable.Range(0, rig.Cameras.Count).Where(k =>
            {
                var c = rig.Cameras[k];
                var (u, v, z) = PinholeCamera.Project(c.Intrinsics, c.CameraToWorld, x[0], x[1], x[2]);
                return z > 0 && u >= 0 && v >= 0 && u < c.Width && v < c.Height;
            }).ToList();
            if (seen.Count >= 1) points.Add((x, seen, true));
        }
        foreach (int n in ViewCounts)
        {
            var subset = n == 5 ? Enumerable.Range(0, 5).ToArray() : ThreeViewSubset;
            var keypoints = subset.ToDictionary(k => k, _ => new List<ColmapKeypoint>());
            var pts = new List<ColmapPoint>();
            foreach (var (x, views, outlier) in points)
            {
                var inSubset = views.Where(subset.Contains).ToList();
                if (inSubset.Count < (outlier ? 1 : 2)) continue;
                long id = pts.Count + 1;
                var track = new List<(int, int)>();
                foreach (int k in inSubset)
                {
                    var c = rig.Cameras[k];
                    var (u, v, _) = PinholeCamera.Project(c.Intrinsics, c.CameraToWorld, x[0], x[1], x[2]);
                    track.Add((k + 1, keypoints[k].Count));
                    keypoints[k].Add(new ColmapKeypoint(u + 0.5, v + 0.5, id));
                }
                pts.Add(new ColmapPoint(id, x[0], x[1], x[2], 180, 150, 130, 0.5, track));
            }
            var cameras = subset.Select(k =>
            {
                var c = rig.Cameras[k];
                var kk = c.Intrinsics;
                return new ColmapCamera(k + 1, "PINHOLE", c.Width, c.Height, [kk[0], kk[4], kk[2] + 0.5, kk[5] + 0.5]);
            }).ToList();
            var images = subset.Select(k => ColmapImage.FromCameraToWorld(k + 1, rig.Cameras[k].CameraToWorld, k + 1, rig.Cameras[k].Name, keypoints[k])).ToList();
            var model = new ColmapModel(cameras, images, pts);
            string folder = Path.Combine(dir, "colmap", n.ToString(CultureInfo.InvariantCulture));
            model.WriteText(folder);
            model.WriteBinary(folder);
        }
    }

    static void WritePose(string path, int seed, SyntheticHead head, CaptureRig rig)
    {
        var worldToTemplate = rig.HeadToWorld.Inverse().Then(new Similarity(TemplateCamScale, Rotations.Identity, [0, 0, 0]));
        var views = new JsonObject();
        var centreMm = rig.HeadToWorld.Apply([0, 0, 0]);
        for (int k = 0; k < rig.Cameras.Count; k++)
        {
            var c = rig.Cameras[k].Centre;
            views[rig.Cameras[k].Name] = new JsonObject
            {
                ["azimuth_deg"] = rig.AzimuthsDeg[k],
                ["distance_to_head_origin_mm"] = Math.Sqrt(Enumerable.Range(0, 3).Sum(a => Math.Pow(c[a] - centreMm[a], 2))),
                ["focal_px"] = rig.Cameras[k].Intrinsics[0],
            };
        }
        var doc = new JsonObject
        {
            ["identity_seed"] = seed,
            ["millimetres_per_unit"] = SyntheticHead.MillimetresPerUnit,
            ["head_to_world"] = rig.HeadToWorld.ToJson(),
            ["head_to_world_description"] = "x_world_mm = scale * rotation @ x_head + translation (x_head: the synthetic head's own frame, y up, face towards +z)",
            ["template_cam_scale"] = TemplateCamScale,
            ["world_to_template"] = worldToTemplate.ToJson(),
            ["world_to_template_description"] = "the true similarity from this world into the frame of a template trained on the synthetic family (PR loader, cam_scale 0.15): head frame x 0.15",
            ["three_views"] = new JsonArray(ThreeViewSubset.Select(k => (JsonNode)ViewName(k)).ToArray()),
            ["views"] = views,
            ["parameters"] = JsonSerializer.SerializeToNode(head.Parameters),
        };
        JsonFiles.Write(path, doc);
    }

    /// <summary>The true world → template similarity written to gt/pose.json; <paramref name="templateCamScale"/> rescales it for a template trained
    /// with another cam_scale than the one the file states (its template's frame is the head's × cam_scale).</summary>
    public static Similarity ReadWorldToTemplate(string poseJson, double? templateCamScale = null)
    {
        if (!File.Exists(poseJson)) throw new DatasetException($"{poseJson}: pose file not found");
        var json = JsonNode.Parse(File.ReadAllText(poseJson));
        var map = Similarity.FromJson(json?["world_to_template"], poseJson);
        if (templateCamScale is not double c) return map;
        double stated = json?["template_cam_scale"]?.GetValue<double>() ?? TemplateCamScale;
        return map.Then(new Similarity(c / stated, Rotations.Identity, [0, 0, 0]));
    }
}
