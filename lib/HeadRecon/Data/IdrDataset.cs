using HeadRecon.Config;
using HeadRecon.IO;

namespace HeadRecon.Data;

/// <summary>
/// How to read an IDR-style folder (DTU as VolSDF ships it, H3DS scenes). TranslationScale multiplies camera
/// translations after decomposition (H3DS's old loader: 0.3); FlipWorldYZ negates rows 1–2 of camera-to-world
/// (H3DS's old loader, turning its y-down world into y-up); WhiteBackgroundFromMask composites onto white through the
/// masks; ViewIndices selects images by their sorted position; ImgRes [H,W] (zeros = accept any) must match.
/// </summary>
public sealed record IdrLoadOptions(
    string SceneDir,
    string IdentityName = "scan",
    IReadOnlyList<int>? ViewIndices = null,
    bool WhiteBackgroundFromMask = false,
    double TranslationScale = 1.0,
    bool FlipWorldYZ = false,
    IReadOnlyList<int>? ImgRes = null);

/// <summary>IDR/VolSDF camera convention: cameras.npz with world_mat_i and scale_mat_i, P = world_mat @ scale_mat.</summary>
public static class IdrDataset
{
    static readonly string[] ImageExtensions = [".png", ".jpg", ".jpeg"];

    /// <summary>Format "idr"/"dtu"/"h3ds" from the run config: data_dir, or data_dir/scan&lt;scan_id&gt; (or data_dir/&lt;scan_id&gt;) when scan_id ≠ -1.</summary>
    public static HeadDataset Load(DatasetOptions options)
    {
        string dir = options.DataDir;
        string name = Path.GetFileName(Path.TrimEndingDirectorySeparator(dir));
        if (options.ScanId != "-1")
        {
            string scanDir = Path.Combine(dir, "scan" + options.ScanId);
            dir = Directory.Exists(scanDir) ? scanDir : Path.Combine(dir, options.ScanId);
            name = options.ScanId;
        }
        // H3DS as the original's old h3ds loader: translations ×0.3, rows 1–2 negated, white background through the masks
        if (options.Format.Equals("h3ds", StringComparison.OrdinalIgnoreCase))
            return Load(new IdrLoadOptions(dir, name, WhiteBackgroundFromMask: true, TranslationScale: 0.3, FlipWorldYZ: true, ImgRes: options.ImgRes));
        return Load(new IdrLoadOptions(dir, name, ImgRes: options.ImgRes));
    }

    public static HeadDataset Load(IdrLoadOptions o)
    {
        if (!Directory.Exists(o.SceneDir)) throw new DatasetException($"{o.SceneDir}: scene directory not found");
        string imageDir = Path.Combine(o.SceneDir, "image");
        if (!Directory.Exists(imageDir)) throw new DatasetException($"{imageDir}: image folder not found");
        var images = ListImages(imageDir);
        if (images.Count == 0) throw new DatasetException($"{imageDir}: no images");
        string maskDir = Path.Combine(o.SceneDir, "mask");
        List<string>? masks = Directory.Exists(maskDir) ? ListImages(maskDir) : null;
        if (masks is not null && masks.Count != images.Count)
            throw new DatasetException($"{maskDir}: {masks.Count} masks for {images.Count} images in {imageDir}");
        if (o.WhiteBackgroundFromMask && masks is null) throw new DatasetException($"{maskDir}: white compositing needs masks but the folder is missing");

        string camPath = Path.Combine(o.SceneDir, "cameras.npz");
        Dictionary<string, NpyArray> cams;
        try { cams = Npy.ReadNpz(camPath); }
        catch (Exception ex) when (ex is FileNotFoundException or InvalidDataException or IOException)
        {
            throw new DatasetException($"{camPath}: cannot read cameras ({ex.Message})", ex);
        }

        var indices = o.ViewIndices ?? Enumerable.Range(0, images.Count).ToList();
        double[]? scaleMat0 = null;
        var views = new List<HeadView>();
        var notes = new ImageFormatNotes();
        foreach (int i in indices)
        {
            if (i < 0 || i >= images.Count) throw new DatasetException($"{imageDir}: view index {i} is outside 0..{images.Count - 1}");
            var world = Matrix4(cams, $"world_mat_{i}", camPath);
            var scale = Matrix4(cams, $"scale_mat_{i}", camPath);
            scaleMat0 ??= scale;
            var p = LinearAlgebra.Multiply(world, scale, 4);
            var (k, c2w) = DecomposeProjection(p);
            for (int r = 0; r < 3; r++) c2w[r * 4 + 3] *= o.TranslationScale;
            if (o.FlipWorldYZ)
                for (int r = 1; r <= 2; r++)
                    for (int c = 0; c < 4; c++) c2w[r * 4 + c] = -c2w[r * 4 + c];

            var (rgba, w, h) = ImageLoading.ReadRgba(images[i], notes);
            if (o.ImgRes is { Count: 2 } res && res[0] > 0 && (res[0] != h || res[1] != w))
                throw new DatasetException($"{images[i]}: image is {h}x{w} (HxW) but img_res is {res[0]}x{res[1]}");
            float[]? mask = null;
            if (masks is not null)
            {
                var (mrgba, mw, mh) = ImageLoading.ReadRgba(masks[i]);
                if (mw != w || mh != h) throw new DatasetException($"{masks[i]}: mask is {mw}x{mh} but its image is {w}x{h}");
                mask = new float[w * h];
                for (int j = 0; j < mask.Length; j++) mask[j] = mrgba[4 * j] > 127 ? 1f : 0f;
            }
            var rgb = ImageLoading.Rgb(rgba, w, h);
            if (o.WhiteBackgroundFromMask)
                for (int j = 0; j < w * h; j++)
                    for (int ch = 0; ch < 3; ch++) rgb[3 * j + ch] = rgb[3 * j + ch] * mask![j] + (1 - mask[j]);
            views.Add(new HeadView(o.IdentityName, 0, Path.GetFileName(images[i]), h, w, rgb, mask, k, c2w));
        }
        return new HeadDataset(views, [o.IdentityName], 1.0 / o.TranslationScale, scaleMat0, null, $"idr:{o.SceneDir}") { Notes = notes.Lines };
    }

    static List<string> ListImages(string dir) =>
        Directory.EnumerateFiles(dir).Where(f => ImageExtensions.Contains(Path.GetExtension(f).ToLowerInvariant())).Order(StringComparer.Ordinal).ToList();

    static double[] Matrix4(Dictionary<string, NpyArray> cams, string key, string path)
    {
        if (!cams.TryGetValue(key, out var a)) throw new DatasetException($"{path}: '{key}' is missing");
        if (a.Count != 16 && a.Count != 12) throw new DatasetException($"{path}: '{key}' has shape ({string.Join(", ", a.Shape)}), expected (4, 4)");
        var m = a.AsFloat64();
        return m.Length == 16 ? m : [.. m, 0, 0, 0, 1];
    }

    /// <summary>
    /// VolSDF's load_K_Rt_from_P: cv2.decomposeProjectionMatrix(P[:3,:4]) → K (normalised by K[2,2]), R, homogeneous
    /// centre t; returns K 3x3 and camera-to-world 4x4 = [Rᵀ | t[:3]/t[3]]. P is row-major, 3x4 or 4x4.
    /// </summary>
    public static (double[] K, double[] CameraToWorld) DecomposeProjection(double[] p)
    {
        double[] m = [p[0], p[1], p[2], p[4], p[5], p[6], p[8], p[9], p[10]];
        double[] p4 = [p[3], p[7], p[11]];
        var (k, r) = LinearAlgebra.RqDecompose3(m);
        double k22 = k[8];
        for (int i = 0; i < 9; i++) k[i] /= k22;
        // camera centre: the null vector of P, i.e. C = -M⁻¹ p4 (cv2 returns it homogeneous; t[:3]/t[3] is this)
        var c = LinearAlgebra.Solve3(m, [-p4[0], -p4[1], -p4[2]]) ?? throw new DatasetException("projection matrix has a singular 3x3 part");
        var rt = LinearAlgebra.Transpose3(r);
        return (k, [rt[0], rt[1], rt[2], c[0], rt[3], rt[4], rt[5], c[1], rt[6], rt[7], rt[8], c[2], 0, 0, 0, 1]);
    }
}
