using System.Globalization;
using System.Text.Json;
using HeadRecon.Config;
using HeadRecon.IO;

namespace HeadRecon.Data;

/// <summary>
/// FaceScape multi-view data as NeuFace/3dheads process it (spec §4.2). Ids are loaded in the given order (identity
/// index = position); Split is the image sub-folder (train, train_3, test); masks always come from mask/.../train/.
/// </summary>
public sealed record FaceScapeLoadOptions(
    string DataDir,
    IReadOnlyList<string> Ids,
    string Expression = "16_grin",
    string Split = "train",
    int Factor = 4);

/// <summary>
/// World frame: FaceScape TU millimetres shifted so the nose tip (TU vertex v10[30]) sits at (0,0,+40 mm), divided by
/// 100 (1 unit = 100 mm). Cameras use the OpenCV convention: R_c2w = Rt_align[:3,:3]·Rᵀ and centre C' — not the
/// original's OpenGL-style matrix fed to an OpenCV ray function (issue #8).
/// </summary>
public static class FaceScapeDataset
{
    public const double MillimetresPerUnit = 100.0;
    public const double NoseDepthMm = 40.0;
    public const int NoseLandmark = 30;

    /// <summary>Format "facescape" from the run config: scan_id -1 loads every id under image/ (numeric order), otherwise
    /// that id alone (identity index 0) from train_&lt;sparse_view_num&gt;/ when that folder exists, else train/.</summary>
    public static HeadDataset Load(DatasetOptions options, string expression = "16_grin")
    {
        string imageRoot = Path.Combine(options.DataDir, "image");
        if (!Directory.Exists(imageRoot)) throw new DatasetException($"{imageRoot}: FaceScape image folder not found");
        if (options.ScanId == "-1")
        {
            var ids = Directory.EnumerateDirectories(imageRoot).Select(Path.GetFileName).OfType<string>()
                .OrderBy(s => int.TryParse(s, out int n) ? n : int.MaxValue).ThenBy(s => s, StringComparer.Ordinal).ToList();
            return Load(new FaceScapeLoadOptions(options.DataDir, ids, expression));
        }
        string split = options.SparseViewNum > 0 && Directory.Exists(Path.Combine(imageRoot, options.ScanId, expression, $"train_{options.SparseViewNum}"))
            ? $"train_{options.SparseViewNum}" : "train";
        return Load(new FaceScapeLoadOptions(options.DataDir, [options.ScanId], expression, split));
    }

    public static HeadDataset Load(FaceScapeLoadOptions o)
    {
        if (!Directory.Exists(o.DataDir)) throw new DatasetException($"{o.DataDir}: data directory not found");
        if (o.Ids.Count == 0) throw new DatasetException($"{o.DataDir}: no identities to load");
        var dup = o.Ids.GroupBy(s => s).FirstOrDefault(g => g.Count() > 1);
        if (dup is not null) throw new DatasetException($"{o.DataDir}: identity '{dup.Key}' requested twice");
        if (o.Factor < 1) throw new ArgumentOutOfRangeException(nameof(o), "Factor must be ≥ 1");
        string expNumber = o.Expression.Split('_')[0];
        string rtPath = Path.Combine(o.DataDir, "Rt_scale_dict.json");
        using var rtDoc = ParseJson(rtPath);
        int noseIndex = ReadNoseIndex(Path.Combine(o.DataDir, "landmark_indices.npz"));

        var views = new List<HeadView>();
        var notes = new ImageFormatNotes();
        for (int idIndex = 0; idIndex < o.Ids.Count; idIndex++)
        {
            string id = o.Ids[idIndex];
            var (scale, align) = ReadAlignment(rtDoc.RootElement, rtPath, id, expNumber);
            var nose = ReadObjVertex(Path.Combine(o.DataDir, "model", id, o.Expression + ".obj"), noseIndex);
            string tupleDir = Path.Combine(o.DataDir, "image", id, o.Expression);
            string paramsPath = Path.Combine(tupleDir, "params.json");
            using var paramsDoc = ParseJson(paramsPath);
            string imageDir = Path.Combine(tupleDir, o.Split);
            if (!Directory.Exists(imageDir)) throw new DatasetException($"{imageDir}: image folder not found");
            var files = Directory.EnumerateFiles(imageDir, "*.jpg").Concat(Directory.EnumerateFiles(imageDir, "*.png"))
                .OrderBy(f => int.TryParse(Path.GetFileNameWithoutExtension(f), out int n) ? n : int.MaxValue).ThenBy(f => f, StringComparer.Ordinal).ToList();
            if (files.Count == 0) throw new DatasetException($"{imageDir}: no images");
            foreach (string file in files)
            {
                string num = Path.GetFileNameWithoutExtension(file);
                var p = paramsDoc.RootElement;
                if (p.TryGetProperty($"{num}_valid", out var valid) && valid.ValueKind == JsonValueKind.False) continue;
                var k = ReadMatrix(p, $"{num}_K", 3, 3, paramsPath);
                var rt = ReadMatrix(p, $"{num}_Rt", 3, 4, paramsPath);
                var (k4, c2w) = Camera(k, rt, scale, align, nose, o.Factor);

                var (rgba, w, h) = ImageLoading.ReadRgba(file, notes);
                int nw = w / o.Factor, nh = h / o.Factor;
                var small = ImageLoading.ResizeArea(rgba, w, h, 4, nw, nh);
                string maskPath = Path.Combine(o.DataDir, "mask", id, o.Expression, "train", Path.GetFileName(file));
                var (mrgba, mw, mh) = ImageLoading.ReadRgba(maskPath);
                if (mw != w || mh != h) throw new DatasetException($"{maskPath}: mask is {mw}x{mh} but its image {file} is {w}x{h}");
                var gray = new byte[mw * mh];
                for (int i = 0; i < gray.Length; i++) gray[i] = mrgba[4 * i]; // 8-bit gray decodes to R=G=B
                var smallMask = ImageLoading.ResizeArea(gray, mw, mh, 1, nw, nh);
                var mask = smallMask.Select(b => b / 255.0 > 0.5 ? 1f : 0f).ToArray();
                views.Add(new HeadView(id, idIndex, Path.GetFileName(file), nh, nw, ImageLoading.Rgb(small, nw, nh), mask, k4, c2w));
            }
        }
        if (views.Count == 0) throw new DatasetException($"{o.DataDir}: every view is marked invalid");
        return new HeadDataset(views, o.Ids.ToList(), MillimetresPerUnit, null, MillimetresPerUnit, $"facescape:{o.DataDir}") { Notes = notes.Lines };
    }

    /// <summary>
    /// K/factor (first two rows) and the OpenCV camera-to-world in the nose-centred frame:
    /// C = -Rᵀt, C' = (R_a·(s·C) + t_a − nose + (0,0,40)) / 100, R_c2w = R_a·Rᵀ.
    /// </summary>
    public static (double[] K, double[] CameraToWorld) Camera(double[] k, double[] rt, double scale, double[] align, double[] noseMm, int factor)
    {
        var kk = (double[])k.Clone();
        for (int i = 0; i < 6; i++) kk[i] /= factor;
        double[] r = [rt[0], rt[1], rt[2], rt[4], rt[5], rt[6], rt[8], rt[9], rt[10]];
        double[] t = [rt[3], rt[7], rt[11]];
        var rtT = LinearAlgebra.Transpose3(r);
        var c = LinearAlgebra.MulVec3(rtT, t);
        for (int i = 0; i < 3; i++) c[i] = -c[i];
        double[] ra = [align[0], align[1], align[2], align[4], align[5], align[6], align[8], align[9], align[10]];
        double[] ta = [align[3], align[7], align[11]];
        var cs = LinearAlgebra.MulVec3(ra, [scale * c[0], scale * c[1], scale * c[2]]);
        var world = TuMillimetresToWorld([cs[0] + ta[0], cs[1] + ta[1], cs[2] + ta[2]], noseMm);
        var rc2w = LinearAlgebra.Multiply(ra, rtT, 3);
        return (kk, [rc2w[0], rc2w[1], rc2w[2], world[0], rc2w[3], rc2w[4], rc2w[5], world[1], rc2w[6], rc2w[7], rc2w[8], world[2], 0, 0, 0, 1]);
    }

    /// <summary>TU-model millimetres to the reconstruction frame: nose tip → (0,0,0.4), 1 unit = 100 mm.</summary>
    public static double[] TuMillimetresToWorld(double[] pMm, double[] noseMm) =>
        [(pMm[0] - noseMm[0]) / MillimetresPerUnit, (pMm[1] - noseMm[1]) / MillimetresPerUnit, (pMm[2] - noseMm[2] + NoseDepthMm) / MillimetresPerUnit];

    static JsonDocument ParseJson(string path)
    {
        if (!File.Exists(path)) throw new DatasetException($"{path}: file not found");
        try { return JsonDocument.Parse(File.ReadAllText(path)); }
        catch (JsonException ex) { throw new DatasetException($"{path}: malformed JSON ({ex.Message})", ex); }
    }

    static (double Scale, double[] Align) ReadAlignment(JsonElement root, string path, string id, string exp)
    {
        try
        {
            if (!root.TryGetProperty(id, out var perId) || !perId.TryGetProperty(exp, out var entry))
                throw new DatasetException($"{path}: no entry for identity '{id}', expression '{exp}'");
            double scale = entry[0].GetDouble();
            var rows = entry[1].EnumerateArray().Select(r => r.EnumerateArray().Select(v => v.GetDouble()).ToArray()).ToArray();
            if (rows.Length is not (3 or 4) || rows.Any(r => r.Length != 4)) throw new DatasetException($"{path}: Rt_align of '{id}/{exp}' must be 3x4 or 4x4");
            return (scale, rows.Take(3).SelectMany(r => r).ToArray());
        }
        catch (Exception ex) when (ex is InvalidOperationException or IndexOutOfRangeException or FormatException)
        {
            throw new DatasetException($"{path}: malformed entry for '{id}/{exp}' ({ex.Message})", ex);
        }
    }

    static double[] ReadMatrix(JsonElement p, string key, int rows, int cols, string path)
    {
        if (!p.TryGetProperty(key, out var m)) throw new DatasetException($"{path}: '{key}' is missing");
        try
        {
            var values = m.EnumerateArray().Take(rows).SelectMany(r => r.EnumerateArray().Take(cols).Select(v => v.GetDouble())).ToArray();
            if (values.Length != rows * cols) throw new DatasetException($"{path}: '{key}' must be at least {rows}x{cols}");
            return values;
        }
        catch (Exception ex) when (ex is InvalidOperationException or FormatException)
        {
            throw new DatasetException($"{path}: '{key}' is not a numeric matrix ({ex.Message})", ex);
        }
    }

    static int ReadNoseIndex(string path)
    {
        Dictionary<string, NpyArray> npz;
        try { npz = Npy.ReadNpz(path); }
        catch (Exception ex) when (ex is FileNotFoundException or InvalidDataException or IOException)
        {
            throw new DatasetException($"{path}: cannot read landmark indices ({ex.Message})", ex);
        }
        if (!npz.TryGetValue("v10", out var v10) || v10.Count <= NoseLandmark) throw new DatasetException($"{path}: 'v10' with at least {NoseLandmark + 1} indices is missing");
        return (int)v10.AsInt64()[NoseLandmark];
    }

    /// <summary>Vertex i (0-based, file order, as trimesh with process=False) of an OBJ, in its own units (mm).</summary>
    static double[] ReadObjVertex(string path, int index)
    {
        if (!File.Exists(path)) throw new DatasetException($"{path}: TU model not found");
        int n = 0;
        foreach (var line in File.ReadLines(path))
        {
            if (!line.StartsWith("v ", StringComparison.Ordinal) && !line.StartsWith("v\t", StringComparison.Ordinal)) continue;
            if (n++ != index) continue;
            var parts = line.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
            if (parts.Length < 4) throw new DatasetException($"{path}: vertex {index} has fewer than 3 coordinates");
            return parts.Skip(1).Take(3).Select(s => double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out double v) ? v : throw new DatasetException($"{path}: '{s}' is not a number")).ToArray();
        }
        throw new DatasetException($"{path}: has {n} vertices; nose landmark index {index} is out of range");
    }
}
