using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Formats.Png;
using SixLabors.ImageSharp.PixelFormats;

namespace HeadRecon.Data.Synthetic;

/// <summary>What to generate. Views ≥ 15 so the frontal view 15 exists; GtResolution is the voxel count across the widest axis.</summary>
public sealed record SynthOptions(
    string OutDir,
    int Identities = 6,
    int Views = 30,
    int Resolution = 128,
    int Seed = 0,
    bool Expressions = false,
    int GtResolution = 192,
    bool WriteGroundTruth = true)
{
    /// <summary>The last HeldOut identities are left out of id.txt (listed in heldout.txt): unseen people for the
    /// template's fine-tuning. Every view JSON lists them too.</summary>
    public int HeldOut { get; init; }

    /// <summary>The identities' parameters (e.g. <see cref="HeadFamily.Load"/> of a template's family.json) instead of a
    /// draw from Seed; Identities must not exceed its length.</summary>
    public IReadOnlyList<HeadParameters>? Family { get; init; }

    /// <summary>Render images of these identities only (null: all); ground truth is written for every identity.</summary>
    public IReadOnlyList<string>? RenderOnly { get; init; }
}

/// <summary>What was written and how long it took.</summary>
public sealed record SynthReport(IReadOnlyList<string> Identities, TimeSpan RenderTime, TimeSpan GroundTruthTime, TimeSpan TotalTime);

/// <summary>
/// Writes a synthetic head family in the PR layout: DIR/&lt;id&gt;/01.png.., DIR/&lt;id&gt;/cameraParameters.xml, DIR/id.txt,
/// DIR/{3,5,15}_view.json and ground truth DIR/gt/&lt;id&gt;.ply (XML units) + DIR/gt/&lt;id&gt;.json (parameters and landmarks).
/// Byte-deterministic for a given SynthOptions.
/// </summary>
public static class SyntheticHeadWriter
{
    static readonly JsonSerializerOptions IndentedJson = new() { WriteIndented = true };

    public static readonly int[] ViewJsonCounts = [3, 5, 15];

    /// <summary>Checks arguments before anything touches the disk; returns the problem or null.</summary>
    public static string? Validate(SynthOptions o)
    {
        if (string.IsNullOrWhiteSpace(o.OutDir)) return "--out must name a directory";
        if (o.Identities < 1 || o.Identities > 899) return $"--identities must be in 1..899 (got {o.Identities})";
        if (o.Views < PrDataset.FrontalView || o.Views > 99) return $"--views must be in {PrDataset.FrontalView}..99 so the frontal view 15 exists and names stay two-digit (got {o.Views})";
        if (o.Resolution < 16 || o.Resolution > 4096) return $"--res must be in 16..4096 (got {o.Resolution})";
        if (o.GtResolution < 16 || o.GtResolution > 1024) return $"--gt-res must be in 16..1024 (got {o.GtResolution})";
        if (o.Family is { } f && f.Count < o.Identities) return $"--identities {o.Identities}: the family file holds only {f.Count}";
        if (o.HeldOut < 0 || o.HeldOut >= o.Identities) return $"--held-out must be in 0..{o.Identities - 1} (got {o.HeldOut}): stage 1 needs at least one identity";
        if (o.RenderOnly?.FirstOrDefault(id => !int.TryParse(id, out int n) || n < 101 || n >= 101 + o.Identities) is string bad)
            return $"--render-only: '{bad}' is not an identity of this family (101..{100 + o.Identities})";
        if (File.Exists(o.OutDir)) return $"{o.OutDir}: exists and is a file";
        if (Directory.Exists(o.OutDir) && Directory.EnumerateFileSystemEntries(o.OutDir).Any()) return $"{o.OutDir}: directory is not empty; refusing to mix generated data";
        return null;
    }

    public static string IdentityName(int index) => (101 + index).ToString(CultureInfo.InvariantCulture);

    public static SynthReport Write(SynthOptions o, Action<string>? log = null)
    {
        string? problem = Validate(o);
        if (problem is not null) throw new ArgumentException(problem);
        var total = Stopwatch.StartNew();
        Directory.CreateDirectory(o.OutDir);
        var cams = HeadRig.Cameras(o.Views, o.Resolution);
        var ids = Enumerable.Range(0, o.Identities).Select(IdentityName).ToList();
        var family = o.Family ?? HeadFamily.Draw(o.Seed, o.Identities, o.Expressions);
        if (o.WriteGroundTruth)
        {
            Directory.CreateDirectory(Path.Combine(o.OutDir, "gt"));
            HeadFamily.Save(Path.Combine(o.OutDir, "gt", "family.json"), family.Take(o.Identities).ToList());
        }
        var encoder = new PngEncoder
        {
            ColorType = PngColorType.RgbWithAlpha,
            BitDepth = PngBitDepth.Bit8,
            CompressionLevel = PngCompressionLevel.DefaultCompression,
            FilterMethod = PngFilterMethod.Adaptive,
            ChunkFilter = PngChunkFilter.ExcludeAll,
        };
        var render = TimeSpan.Zero;
        var gt = TimeSpan.Zero;
        for (int i = 0; i < o.Identities; i++)
        {
            string id = ids[i];
            var head = new SyntheticHead(family[i]);
            var sw = Stopwatch.StartNew();
            if (o.RenderOnly is null || o.RenderOnly.Contains(id))
            {
                string idDir = Path.Combine(o.OutDir, id);
                Directory.CreateDirectory(idDir);
                foreach (var cam in cams)
                {
                    var rgba = HeadRenderer.Render(head, cam, o.Resolution, o.Resolution);
                    using var img = Image.LoadPixelData<Rgba32>(rgba, o.Resolution, o.Resolution);
                    img.SaveAsPng(Path.Combine(idDir, $"{cam.ViewNumber:D2}.png"), encoder);
                }
                render += sw.Elapsed;
                File.WriteAllText(Path.Combine(idDir, "cameraParameters.xml"), AgisoftXml(cams, o.Resolution), new UTF8Encoding(false));
                log?.Invoke($"{id}: {cams.Count} views rendered in {sw.Elapsed.TotalSeconds:F2} s");
            }
            if (o.WriteGroundTruth)
            {
                sw.Restart();
                string gtDir = Path.Combine(o.OutDir, "gt");
                Directory.CreateDirectory(gtDir);
                var (bmin, bmax) = SyntheticHead.Bounds;
                double extent = Math.Max(bmax.X - bmin.X, Math.Max(bmax.Y - bmin.Y, bmax.Z - bmin.Z));
                var mesh = SurfaceExtraction.Extract(head.Distance, bmin, bmax, extent / o.GtResolution);
                PlyWriter.Write(Path.Combine(gtDir, id + ".ply"), mesh);
                File.WriteAllText(Path.Combine(gtDir, id + ".json"), ParametersJson(id, head), new UTF8Encoding(false));
                // The landmarks alone in the project's landmark format (what `eval --landmarks-gt` and the face region read).
                LandmarkFiles.Write3D(Path.Combine(gtDir, id + "_landmarks.json"), head.Landmarks(), $"xml ({SyntheticHead.MillimetresPerUnit} mm)", "the identity's ground truth, XML units");
                gt += sw.Elapsed;
                log?.Invoke($"{id}: ground truth {mesh.VertexCount} vertices, {mesh.TriangleCount} triangles in {sw.Elapsed.TotalSeconds:F2} s");
            }
        }
        var training = ids.Take(o.Identities - o.HeldOut).ToList();
        File.WriteAllText(Path.Combine(o.OutDir, "id.txt"), string.Join("\n", training) + "\n", new UTF8Encoding(false));
        if (o.HeldOut > 0) File.WriteAllText(Path.Combine(o.OutDir, "heldout.txt"), string.Join("\n", ids.Skip(training.Count)) + "\n", new UTF8Encoding(false));
        foreach (int k in ViewJsonCounts.Where(k => k <= o.Views))
        {
            // The few-view splits (an unseen person) come from the frontal cameras; 15 views spread over the whole rig.
            var sel = HeadRig.SpreadSelection(cams, k, k < 15 ? HeadRig.FewViewMaxAngle : 180);
            // A small rig may have fewer frontal cameras than k: no k-view split then (the loader would reject a short list).
            if (sel.Length < k) continue;
            var info = ids.ToDictionary(id => id, _ => sel);
            string json = JsonSerializer.Serialize(new Dictionary<string, object> { ["sparse_view_num"] = k, ["info"] = info });
            File.WriteAllText(Path.Combine(o.OutDir, $"{k}_view.json"), json, new UTF8Encoding(false));
        }
        return new SynthReport(ids, render, gt, total.Elapsed);
    }

    static string F(double v) => v.ToString("R", CultureInfo.InvariantCulture);

    /// <summary>Agisoft Metashape-style XML: principal point stored as an offset from the image centre.</summary>
    public static string AgisoftXml(IReadOnlyList<RigCamera> cams, int res)
    {
        var k = cams[0].Intrinsics;
        var sb = new StringBuilder();
        sb.Append("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<document version=\"1.4.0\">\n  <chunk label=\"Chunk 1\" enabled=\"true\">\n    <sensors>\n");
        sb.Append("      <sensor id=\"0\" label=\"synthetic\" type=\"frame\">\n");
        sb.Append(CultureInfo.InvariantCulture, $"        <resolution width=\"{res}\" height=\"{res}\"/>\n");
        sb.Append("        <calibration type=\"frame\" class=\"adjusted\">\n");
        sb.Append(CultureInfo.InvariantCulture, $"          <resolution width=\"{res}\" height=\"{res}\"/>\n");
        sb.Append(CultureInfo.InvariantCulture, $"          <f>{F(k[0])}</f>\n          <cx>{F(k[2] - res / 2.0)}</cx>\n          <cy>{F(k[5] - res / 2.0)}</cy>\n");
        sb.Append("          <k1>0</k1>\n          <k2>0</k2>\n          <p1>0</p1>\n          <p2>0</p2>\n        </calibration>\n      </sensor>\n    </sensors>\n    <cameras>\n");
        foreach (var c in cams)
        {
            sb.Append(CultureInfo.InvariantCulture, $"      <camera id=\"{c.ViewNumber - 1}\" sensor_id=\"0\" label=\"{c.ViewNumber:D2}.png\">\n");
            sb.Append("        <transform>").Append(string.Join(" ", c.CameraToWorld.Select(F))).Append("</transform>\n      </camera>\n");
        }
        sb.Append("    </cameras>\n  </chunk>\n</document>\n");
        return sb.ToString();
    }

    static string ParametersJson(string id, SyntheticHead head)
    {
        var doc = new Dictionary<string, object>
        {
            ["id"] = id,
            ["units"] = $"XML units ({SyntheticHead.MillimetresPerUnit} mm each; multiply by the conf's cam_scale for the reconstruction frame)",
            ["millimetres_per_unit"] = SyntheticHead.MillimetresPerUnit,
            ["frame"] = "y up, face towards +z, the subject's right at -x; same world frame as cameraParameters.xml",
            ["landmarks"] = head.Landmarks().Points.ToDictionary(kv => kv.Key, kv => new[] { kv.Value.X, kv.Value.Y, kv.Value.Z }),
            ["parameters"] = head.Parameters,
        };
        return JsonSerializer.Serialize(doc, IndentedJson);
    }
}
