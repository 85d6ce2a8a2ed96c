using System.Globalization;
using System.Text.Json.Nodes;
using HeadRecon.IO;
using HeadRecon.Visualization;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;

namespace HeadRecon.Data.Import;

/// <summary>What <see cref="SceneImporter.Write"/> does besides converting cameras.</summary>
/// <param name="OutDir">scene folder to create (must not exist or be empty).</param>
/// <param name="MasksDir">masks matched to images by file stem (white = head); without it, an image's alpha channel is the mask when it has one.</param>
/// <param name="Radius">radius of the object's sphere in the normalised frame; 0.3 = the face confs' plot.grid_boundary half-width, which the template's head fills.</param>
/// <param name="CropToSphere">crop each image to a square around the projected sphere (× CropMargin), clipped to the image.</param>
/// <param name="Size">longer image side after resizing (area filter); 0 keeps the size.</param>
/// <param name="WhiteBackground">composite the images onto white through their masks (the white_bkgd confs expect it).</param>
/// <param name="Landmarks2D">2D landmarks in the source images' pixels (keyed by image name or stem), rewritten for the scene's images.</param>
public sealed record SceneImportOptions(
    string OutDir,
    string? MasksDir = null,
    double Radius = 0.3,
    bool CropToSphere = false,
    double CropMargin = 1.2,
    int Size = 0,
    bool WhiteBackground = true,
    string? Landmarks2D = null);

/// <summary>What was written: views, the sphere (source frame), scale_mat (normalised → source frame), camera
/// distances (source units), image size (0 when the sizes differ) and warnings.</summary>
public sealed record SceneImportReport(string Source, string OutDir, SceneSphere Sphere, double[] ScaleMat, double MinDistance, double MaxDistance,
    int Width, int Height, IReadOnlyList<(string Scene, string Source)> Images, bool Masks, IReadOnlyList<string> Warnings)
{
    public override string ToString()
    {
        var c = CultureInfo.InvariantCulture;
        double s = ScaleMat[0];
        var lines = new List<string>
        {
            $"{Source} → {OutDir}: {Images.Count} views{(Masks ? " with masks" : "")}, images {(Width > 0 ? $"{Width}x{Height}" : "of different sizes")}",
            string.Create(c, $"camera distance to the sphere centre: {MinDistance:G5} .. {MaxDistance:G5} (source units) = {MinDistance / s:F3} .. {MaxDistance / s:F3} normalised"),
            $"object sphere (source frame): {Sphere}",
            string.Create(c, $"normalised frame: x_source = {s:G6}·x + ({ScaleMat[3]:G6}, {ScaleMat[7]:G6}, {ScaleMat[11]:G6}); sphere radius {Sphere.Radius / s:G4}"),
            $"train with: --set dataset.format=idr --set train.dataset_class={Config.ClassNames.SceneDataset}{(Width > 0 ? $" --set dataset.img_res=[{Height}, {Width}]" : "")} --data {OutDir}",
        };
        lines.AddRange(Warnings.Select(w => "WARNING: " + w));
        return string.Join(Environment.NewLine, lines);
    }
}

/// <summary>
/// Writes an IDR scene from external cameras: image/NNN.png (RGB), mask/NNN.png, cameras.npz (world_mat_i = K·[R|t]
/// in the source frame, scale_mat_i = the normalisation, as <see cref="IdrDataset"/> reads them: P = world_mat·scale_mat),
/// scene.json (views, sphere, conventions), cameras.png (<see cref="CameraPlot"/>) and landmarks2d.json when 2D
/// landmarks are given.
/// Normalisation: the object's sphere (<see cref="SceneSphere.Estimate"/>) maps to the origin with radius
/// <see cref="SceneImportOptions.Radius"/>; scale_mat = [s·I | c] with s = r_sphere / Radius, so meshes in the
/// normalised frame return to the source frame (its units) through scale_mat, as for every IDR scene.
/// Pixel coordinates keep the top-left pixel's centre at (0, 0): cropping at x₀ and resizing by s maps
/// u ↦ (u − x₀ + ½)·s − ½, and K follows.
/// </summary>
public static class SceneImporter
{
    /// <summary>A written scene as its loader reads it: no img_res check, no alignment applied.</summary>
    public static HeadDataset Load(string scene, string format = "idr") =>
        DatasetLoader.Load(new Config.DatasetOptions { Format = format, DataDir = scene, ImgRes = [0, 0], ScanId = "-1" });

    /// <summary>The `--set` keys that train on an imported scene of <paramref name="height"/>×<paramref name="width"/>
    /// images in the template's frame (its alignment.json), without periodic plots.</summary>
    public static string[] TrainingKeys(string scene, int height, int width) =>
        ["dataset.format=idr", "train.dataset_class=datasets.scene_dataset.SceneDataset", "dataset.scan_id=-1",
            $"dataset.alignment={AlignmentFile.FileName}", "train.plot_iters=100000000", $"dataset.data_dir=\"{scene}\"", $"dataset.img_res=[{height}, {width}]"];

    public static SceneImportReport Write(IReadOnlyList<ImportCamera> cameras, IReadOnlyList<double[]>? points, SceneImportOptions o, string source)
    {
        if (!(o.Radius > 0)) throw new ArgumentException($"--radius must be > 0 (got {o.Radius})");
        if (o.Size < 0 || o.Size > 16384) throw new ArgumentException($"--size must be in 0..16384 (got {o.Size})");
        if (File.Exists(o.OutDir)) throw new IOException($"{o.OutDir}: exists and is a file");
        if (Directory.Exists(o.OutDir) && Directory.EnumerateFileSystemEntries(o.OutDir).Any())
            throw new IOException($"{o.OutDir}: directory is not empty; refusing to mix an imported scene into it");
        if (o.MasksDir is not null && !Directory.Exists(o.MasksDir)) throw new DatasetException($"{o.MasksDir}: mask folder not found");
        var landmarks = o.Landmarks2D is null ? null : LandmarkFiles.Read2D(o.Landmarks2D);

        var sphere = SceneSphere.Estimate(cameras, points);
        double s = sphere.Radius / o.Radius;
        double[] scaleMat = [s, 0, 0, sphere.Centre[0], 0, s, 0, sphere.Centre[1], 0, 0, s, sphere.Centre[2], 0, 0, 0, 1];
        var warnings = new List<string>();
        var dists = cameras.Select(k => Math.Sqrt(Enumerable.Range(0, 3).Sum(a => Math.Pow(k.Centre[a] - sphere.Centre[a], 2)))).ToList();
        if (dists.Min() < 1.5 * sphere.Radius) warnings.Add($"a camera is {dists.Min():G4} from the sphere centre, within 1.5 sphere radii: check the calibration");

        // Everything goes to a temporary sibling folder, renamed at the end: a failed import leaves nothing behind.
        string outDir = Path.GetFullPath(o.OutDir);
        string tmp = outDir.TrimEnd(Path.DirectorySeparatorChar) + $".importing-{Guid.NewGuid():N}";
        Directory.CreateDirectory(Path.Combine(tmp, "image"));
        try
        {
            var arrays = new List<(string, double[]?, long[]?, long[])>();
            var views = new JsonArray();
            var names = new List<(string, string)>();
            var newLandmarks = new Dictionary<string, IReadOnlyDictionary<string, (double U, double V)>>(StringComparer.Ordinal);
            var normalisedC2w = new List<double[]>();
            bool anyMask = false, allMasks = true;
            var sizes = new HashSet<(int, int)>();
            for (int i = 0; i < cameras.Count; i++)
            {
                var cam = cameras[i];
                string sceneName = $"{i:D3}.png";
                var (rgba, w, h) = ImageLoading.ReadRgba(cam.ImagePath);
                if (w != cam.Width || h != cam.Height)
                    throw new DatasetException($"{cam.ImagePath}: image is {w}x{h} but its camera says {cam.Width}x{cam.Height}; the intrinsics belong to another resolution");
                var mask = ReadMask(cam, rgba, w, h, o.MasksDir);
                anyMask |= mask is not null;
                allMasks &= mask is not null;

                // Crop (integer pixels) then resize.
                int x0 = 0, y0 = 0, cw = w, ch = h;
                if (o.CropToSphere) (x0, y0, cw, ch) = SphereCrop(cam, sphere, o.CropMargin);
                int nw = cw, nh = ch;
                if (o.Size > 0)
                {
                    double f = (double)o.Size / Math.Max(cw, ch);
                    nw = Math.Max(1, (int)Math.Round(cw * f));
                    nh = Math.Max(1, (int)Math.Round(ch * f));
                }
                double sx = (double)nw / cw, sy = (double)nh / ch;
                var rgb = new byte[cw * ch * 3];
                byte[]? m8 = mask is null ? null : new byte[cw * ch];
                for (int y = 0; y < ch; y++)
                    for (int x = 0; x < cw; x++)
                    {
                        int src = (y + y0) * w + (x + x0), dst = y * cw + x;
                        for (int k = 0; k < 3; k++) rgb[3 * dst + k] = rgba[4 * src + k];
                        if (m8 is not null) m8[dst] = mask![src] ? (byte)255 : (byte)0;
                    }
                if (nw != cw || nh != ch)
                {
                    rgb = ImageLoading.ResizeArea(rgb, cw, ch, 3, nw, nh);
                    if (m8 is not null) m8 = ImageLoading.ResizeArea(m8, cw, ch, 1, nw, nh).Select(v => v > 127 ? (byte)255 : (byte)0).ToArray();
                }
                if (m8 is not null && o.WhiteBackground)
                    for (int p = 0; p < nw * nh; p++)
                        if (m8[p] == 0) { rgb[3 * p] = 255; rgb[3 * p + 1] = 255; rgb[3 * p + 2] = 255; }
                using (var img = Image.LoadPixelData<Rgb24>(rgb, nw, nh)) img.SaveAsPng(Path.Combine(tmp, "image", sceneName));
                if (m8 is not null)
                {
                    Directory.CreateDirectory(Path.Combine(tmp, "mask"));
                    using var mimg = Image.LoadPixelData<L8>(m8, nw, nh);
                    mimg.SaveAsPng(Path.Combine(tmp, "mask", sceneName));
                }
                sizes.Add((nw, nh));

                var k0 = cam.Intrinsics;
                double[] kk = [k0[0] * sx, k0[1] * sx, (k0[2] - x0 + 0.5) * sx - 0.5, 0, k0[4] * sy, (k0[5] - y0 + 0.5) * sy - 0.5, 0, 0, 1];
                arrays.Add(($"world_mat_{i}", WorldMat(kk, cam.CameraToWorld), null, [4, 4]));
                arrays.Add(($"scale_mat_{i}", scaleMat, null, [4, 4]));
                var c2w = cam.CameraToWorld;
                normalisedC2w.Add([c2w[0], c2w[1], c2w[2], (c2w[3] - scaleMat[3]) / s, c2w[4], c2w[5], c2w[6], (c2w[7] - scaleMat[7]) / s, c2w[8], c2w[9], c2w[10], (c2w[11] - scaleMat[11]) / s, 0, 0, 0, 1]);
                views.Add(new JsonObject
                {
                    ["image"] = sceneName, ["source"] = cam.Name, ["source_size"] = new JsonArray(w, h),
                    ["crop"] = new JsonArray(x0, y0, cw, ch), ["size"] = new JsonArray(nw, nh),
                    ["intrinsics"] = new JsonArray(kk.Select(v => (JsonNode)v).ToArray()),
                });
                names.Add((sceneName, cam.Name));
                if (landmarks is not null && FindView(landmarks, cam.Name) is { } lm)
                    newLandmarks[sceneName] = lm.ToDictionary(kv => kv.Key, kv => ((kv.Value.U - x0 + 0.5) * sx - 0.5, (kv.Value.V - y0 + 0.5) * sy - 0.5));
            }
            if (anyMask && !allMasks) throw new DatasetException($"{o.MasksDir ?? "the images' alpha channels"}: some views have masks and others do not; give a mask for every image or none");
            if (landmarks is not null && newLandmarks.Count == 0) throw new DatasetException($"{o.Landmarks2D}: no view matches an image of the calibration");
            Npy.WriteNpz(Path.Combine(tmp, "cameras.npz"), arrays);
            if (landmarks is not null) LandmarkFiles.Write2D(Path.Combine(tmp, "landmarks2d.json"), new Landmarks2D(newLandmarks));
            using (var plot = CameraPlot.Draw(normalisedC2w, [0, 0, 0], o.Radius)) Images.SavePng(plot, Path.Combine(tmp, "cameras.png"));
            var (width, height) = sizes.Count == 1 ? sizes.First() : (0, 0);
            if (sizes.Count > 1) warnings.Add("the images have different sizes; give --size (with --crop-to-sphere for square images) so one dataset.img_res fits all");
            var report = new SceneImportReport(source, o.OutDir, sphere, scaleMat, dists.Min(), dists.Max(), width, height, names, allMasks && anyMask, warnings);
            var doc = new JsonObject
            {
                ["source"] = source,
                ["conventions"] = "cameras.npz as IDR/VolSDF: P = world_mat_i · scale_mat_i maps normalised points to pixels; world_mat_i = K·[R|t] (world→camera, OpenCV axes) in the source frame; pixel centres at integers (the top-left pixel's centre is (0, 0))",
                ["normalisation"] = new JsonObject
                {
                    ["radius"] = o.Radius,
                    ["sphere_centre"] = new JsonArray(sphere.Centre.Select(v => (JsonNode)v).ToArray()),
                    ["sphere_radius"] = sphere.Radius,
                    ["camera_radius"] = sphere.CameraRadius,
                    ["sparse_points_used"] = sphere.PointsUsed,
                    ["method"] = sphere.Method,
                    ["scale_mat"] = new JsonArray(scaleMat.Select(v => (JsonNode)v).ToArray()),
                },
                ["views"] = views,
                ["warnings"] = new JsonArray(warnings.Select(w => (JsonNode)w).ToArray()),
            };
            JsonFiles.Write(Path.Combine(tmp, "scene.json"), doc);
            if (Directory.Exists(outDir)) Directory.Delete(outDir);
            Directory.Move(tmp, outDir);
            return report;
        }
        finally
        {
            if (Directory.Exists(tmp)) Directory.Delete(tmp, recursive: true);
        }
    }

    /// <summary>P = K·[R|t] (world → pixels) as a 4×4 with last row (0, 0, 0, 1).</summary>
    static double[] WorldMat(double[] k, double[] c2w) => [.. PinholeCamera.Projection(k, c2w), 0, 0, 0, 1];

    /// <summary>The mask from MasksDir (same stem; red channel &gt; 127) or from the image's alpha when it is not all opaque.</summary>
    static bool[]? ReadMask(ImportCamera cam, byte[] rgba, int w, int h, string? masksDir)
    {
        if (masksDir is not null)
        {
            string path = ImageFiles.Find(masksDir, Path.GetFileName(cam.Name)) ?? ImageFiles.Find(masksDir, cam.Name)
                ?? throw new DatasetException($"{masksDir}: no mask for image '{cam.Name}' (matched by file stem)");
            var (m, mw, mh) = ImageLoading.ReadRgba(path);
            if (mw != w || mh != h) throw new DatasetException($"{path}: mask is {mw}x{mh} but its image is {w}x{h}");
            return Enumerable.Range(0, w * h).Select(i => m[4 * i] > 127).ToArray();
        }
        bool translucent = false;
        for (int i = 0; i < w * h && !translucent; i++) translucent = rgba[4 * i + 3] < 255;
        return translucent ? Enumerable.Range(0, w * h).Select(i => rgba[4 * i + 3] > 127).ToArray() : null;
    }

    /// <summary>A square around the sphere's projection (half side = margin × its projected radius), inside the image.</summary>
    static (int X0, int Y0, int W, int H) SphereCrop(ImportCamera cam, SceneSphere sphere, double margin)
    {
        var k = cam.Intrinsics;
        var (u, v, depth) = PinholeCamera.Project(k, cam.CameraToWorld, sphere.Centre[0], sphere.Centre[1], sphere.Centre[2]);
        var o = cam.Centre;
        double d = Math.Sqrt(Enumerable.Range(0, 3).Sum(a => Math.Pow(sphere.Centre[a] - o[a], 2)));
        double angular = d > sphere.Radius ? Math.Asin(sphere.Radius / d) : Math.PI / 2 * 0.99;
        double half = margin * Math.Max(k[0], k[4]) * Math.Tan(angular);
        int side = Math.Min((int)Math.Round(2 * half), Math.Min(cam.Width, cam.Height));
        if (depth <= 0 || side < 8) return (0, 0, cam.Width, cam.Height);
        int x0 = Math.Clamp((int)Math.Round(u + 0.5 - side / 2.0), 0, cam.Width - side);
        int y0 = Math.Clamp((int)Math.Round(v + 0.5 - side / 2.0), 0, cam.Height - side);
        return (x0, y0, side, side);
    }

    static IReadOnlyDictionary<string, (double U, double V)>? FindView(Landmarks2D l, string name)
    {
        if (l.Views.TryGetValue(name, out var v)) return v;
        string file = Path.GetFileName(name), stem = Path.GetFileNameWithoutExtension(name);
        foreach (var (key, value) in l.Views)
            if (key == file || Path.GetFileNameWithoutExtension(key) == stem) return value;
        return null;
    }
}
