using System.Globalization;
using System.Text.Json;
using System.Xml;
using System.Xml.Linq;
using HeadRecon.Config;

namespace HeadRecon.Data;

/// <summary>One camera parsed from an Agisoft cameraParameters.xml (before cam_scale).</summary>
public sealed record AgisoftCamera(string Name, int Width, int Height, double[] Intrinsics, double[] CameraToWorld);

/// <summary>
/// The PR/FLM portrait-relighting layout read as the original FaceDataset does (spec §4.1): one folder per identity with
/// 01.png..30.png RGBA and an Agisoft XML, an id list, and an optional view-selection JSON.
/// </summary>
public static class PrDataset
{
    public const int FrontalView = 15;

    /// <summary>Loads per DatasetOptions: data_dir, img_res [H,W], scan_id, cam_scale, id_list, init_view_path, sparse_view_num, fine_tune_*.
    /// Relative id_list / init_view_path are resolved against data_dir; an empty init_view_path selects views at random
    /// (seeded by seed) with the frontal view 15 forced. sparse_view_num &lt;= 0 keeps every view.</summary>
    public static HeadDataset Load(DatasetOptions options, int seed = 0)
    {
        string dataDir = options.DataDir;
        if (!Directory.Exists(dataDir)) throw new DatasetException($"{dataDir}: data directory not found");
        string idListPath = Resolve(dataDir, options.IdList);
        var ids = ReadIdList(idListPath);

        bool stage1 = options.ScanId == "-1";
        var identityNames = new List<string>(ids);
        List<string> loadIds;
        int sparseViewNum = options.SparseViewNum;
        if (options.FineTuneFlag)
        {
            if (stage1) throw new DatasetException($"{idListPath}: fine_tune_flag needs a scan_id (the unseen identity), not -1");
            if (ids.Contains(options.ScanId)) throw new DatasetException($"{idListPath}: fine-tuning identity '{options.ScanId}' is already in the id list; fine-tuning appends an unseen id");
            if (string.IsNullOrWhiteSpace(options.InitViewPath)) throw new DatasetException($"{dataDir}: fine_tune_flag requires init_view_path (a view JSON listing the unseen id)");
            identityNames.Add(options.ScanId);
            loadIds = [options.ScanId];
            sparseViewNum = options.FineTuneView;
        }
        else if (stage1) loadIds = ids;
        else
        {
            if (!ids.Contains(options.ScanId)) throw new DatasetException($"{idListPath}: scan_id '{options.ScanId}' is not in the id list");
            loadIds = [options.ScanId];
        }

        Dictionary<string, int[]>? viewJson = null;
        string? viewJsonPath = null;
        if (!string.IsNullOrWhiteSpace(options.InitViewPath))
        {
            viewJsonPath = Resolve(dataDir, options.InitViewPath);
            viewJson = ReadViewJson(viewJsonPath, sparseViewNum);
        }

        var rng = new Random(seed);
        var notes = new ImageFormatNotes();
        var views = new List<HeadView>();
        int[] imgRes = options.ImgRes.ToArray();
        foreach (string id in loadIds)
        {
            int idIndex = identityNames.IndexOf(id);
            string idDir = Path.Combine(dataDir, id);
            if (!Directory.Exists(idDir)) throw new DatasetException($"{idDir}: identity folder not found");
            string xmlPath = FindXml(idDir);
            var cameras = new Dictionary<string, AgisoftCamera>(StringComparer.Ordinal);
            var parsed = ParseAgisoftXml(xmlPath, out var unaligned);
            if (parsed.Count == 0)
                throw new DatasetException(unaligned.Count > 0
                    ? $"{xmlPath}: none of its {unaligned.Count} cameras has a <transform> (the photos were not aligned in Agisoft); the PR loader needs a pose for every view"
                    : $"{xmlPath}: no <camera> elements");
            foreach (var cam in parsed)
                if (!cameras.TryAdd(cam.Name, cam)) throw new DatasetException($"{xmlPath}: two cameras map to the image name '{cam.Name}'");
            // Images that have a camera: the view number is int(stem), so names must be 01.png..30.png.
            var available = new SortedDictionary<int, (string Path, AgisoftCamera Cam)>();
            foreach (string file in Directory.EnumerateFiles(idDir).Order(StringComparer.Ordinal))
            {
                string name = Path.GetFileName(file);
                string ext = Path.GetExtension(name).ToLowerInvariant();
                if (ext is not (".png" or ".jpg")) continue;
                if (!cameras.TryGetValue(name, out var cam)) continue;
                if (!int.TryParse(Path.GetFileNameWithoutExtension(name), NumberStyles.None, CultureInfo.InvariantCulture, out int number))
                    throw new DatasetException($"{file}: PR image names must be zero-padded view numbers (01.png..30.png)");
                if (!available.TryAdd(number, (file, cam))) throw new DatasetException($"{file}: view {number} appears twice in {idDir}");
            }
            if (available.Count == 0) throw new DatasetException($"{idDir}: no image has a camera in {xmlPath} (labels must match file names like 01.png)");

            int[] selected;
            if (viewJson is not null)
            {
                if (!viewJson.TryGetValue(id, out var list)) throw new DatasetException($"{viewJsonPath}: identity '{id}' is not listed");
                foreach (int n in list)
                {
                    if (available.ContainsKey(n)) continue;
                    string? without = unaligned.FirstOrDefault(name => int.TryParse(Path.GetFileNameWithoutExtension(name), NumberStyles.None, CultureInfo.InvariantCulture, out int k) && k == n);
                    throw new DatasetException(without is not null
                        ? $"{viewJsonPath}: view {n} of identity '{id}': its camera {without} in {xmlPath} has no <transform> (not aligned in Agisoft)"
                        : $"{viewJsonPath}: view {n} of identity '{id}' has no image with a camera in {idDir}");
                }
                selected = list;
            }
            else selected = RandomSelection(available.Keys.ToArray(), sparseViewNum, rng);

            foreach (int n in selected)
            {
                var (file, cam) = available[n];
                var (rgba, w, h) = ImageLoading.ReadRgba(file, notes);
                if (imgRes.Length == 2 && imgRes[0] > 0 && (h != imgRes[0] || w != imgRes[1]))
                    throw new DatasetException($"{file}: image is {h}x{w} (HxW) but img_res is {imgRes[0]}x{imgRes[1]}; the PR loader does not resize");
                if (w != cam.Width || h != cam.Height)
                    throw new DatasetException($"{file}: image is {w}x{h} but its sensor in {xmlPath} is {cam.Width}x{cam.Height}; rescale the intrinsics first");
                var c2w = (double[])cam.CameraToWorld.Clone();
                c2w[3] *= options.CamScale;
                c2w[7] *= options.CamScale;
                c2w[11] *= options.CamScale;
                views.Add(new HeadView(id, idIndex, Path.GetFileName(file), h, w, ImageLoading.CompositeOnWhite(rgba, w, h), ImageLoading.AlphaMask(rgba, w, h), (double[])cam.Intrinsics.Clone(), c2w));
            }
        }
        return new HeadDataset(views, identityNames, 1.0 / options.CamScale, null, null, $"pr:{dataDir}") { Notes = notes.Lines };
    }

    /// <summary>Random subset of size k with the frontal view forced in (the original's no-JSON branch); all views when k &lt;= 0 or k &gt;= count.</summary>
    static int[] RandomSelection(int[] available, int k, Random rng)
    {
        if (k <= 0 || k >= available.Length) return available;
        var rest = available.Where(n => n != FrontalView).ToList();
        var chosen = new List<int>();
        if (available.Contains(FrontalView)) chosen.Add(FrontalView);
        while (chosen.Count < k)
        {
            int i = rng.Next(rest.Count);
            chosen.Add(rest[i]);
            rest.RemoveAt(i);
        }
        return chosen.ToArray();
    }

    static string Resolve(string dataDir, string path) => Path.IsPathRooted(path) ? path : Path.Combine(dataDir, path);

    static string FindXml(string idDir)
    {
        string preferred = Path.Combine(idDir, "cameraParameters.xml");
        if (File.Exists(preferred)) return preferred;
        var any = Directory.EnumerateFiles(idDir, "*.xml").Order(StringComparer.Ordinal).FirstOrDefault();
        return any ?? throw new DatasetException($"{preferred}: camera XML not found (no *.xml in {idDir})");
    }

    /// <summary>Reads id.txt: whitespace-separated ids, sorted lexicographically (as Python's sorted on strings).</summary>
    public static List<string> ReadIdList(string path)
    {
        if (!File.Exists(path)) throw new DatasetException($"{path}: id list not found");
        var ids = File.ReadAllText(path).Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries).ToList();
        if (ids.Count == 0) throw new DatasetException($"{path}: id list is empty");
        var dup = ids.GroupBy(s => s).FirstOrDefault(g => g.Count() > 1);
        if (dup is not null) throw new DatasetException($"{path}: identity '{dup.Key}' is listed more than once");
        ids.Sort(StringComparer.Ordinal);
        return ids;
    }

    /// <summary>Reads {"sparse_view_num":N,"info":{"id":[views]}}; N must equal the requested view count.</summary>
    public static Dictionary<string, int[]> ReadViewJson(string path, int expectedViewNum)
    {
        if (!File.Exists(path)) throw new DatasetException($"{path}: view-selection JSON not found");
        try
        {
            using var doc = JsonDocument.Parse(File.ReadAllText(path));
            var root = doc.RootElement;
            int n = root.GetProperty("sparse_view_num").GetInt32();
            if (n != expectedViewNum) throw new DatasetException($"{path}: sparse_view_num is {n} but {expectedViewNum} views were requested");
            var result = new Dictionary<string, int[]>(StringComparer.Ordinal);
            foreach (var p in root.GetProperty("info").EnumerateObject())
            {
                var list = p.Value.EnumerateArray().Select(e => e.GetInt32()).ToArray();
                if (list.Distinct().Count() != list.Length) throw new DatasetException($"{path}: identity '{p.Name}' lists a view twice");
                if (list.Length != n) throw new DatasetException($"{path}: identity '{p.Name}' lists {list.Length} views, not sparse_view_num = {n}");
                result[p.Name] = list;
            }
            return result;
        }
        catch (Exception ex) when (ex is JsonException or KeyNotFoundException or InvalidOperationException or FormatException)
        {
            throw new DatasetException($"{path}: malformed view JSON ({ex.Message})", ex);
        }
    }

    /// <summary>
    /// Parses an Agisoft XML exactly as the original: sensor/camera elements at any depth; f or fx/fy; cx, cy are
    /// offsets from the image centre; labels get ".jpg" appended when they lack .jpg/.png and a one-character stem
    /// gets a leading 0; cameras without a transform are skipped. Translations are NOT scaled here.
    /// </summary>
    public static List<AgisoftCamera> ParseAgisoftXml(string path) => ParseAgisoftXml(path, out _);

    /// <summary>As <see cref="ParseAgisoftXml(string)"/>; <paramref name="withoutTransform"/> lists the image names of the skipped cameras.</summary>
    public static List<AgisoftCamera> ParseAgisoftXml(string path, out List<string> withoutTransform)
    {
        if (!File.Exists(path)) throw new DatasetException($"{path}: camera XML not found");
        XDocument doc;
        try { doc = XDocument.Load(path); }
        catch (XmlException ex) { throw new DatasetException($"{path}: malformed XML ({ex.Message})", ex); }

        var sensors = new Dictionary<string, (int W, int H, double[] K)>(StringComparer.Ordinal);
        foreach (var s in doc.Descendants("sensor"))
        {
            string sid = (string?)s.Attribute("id") ?? throw new DatasetException($"{path}: <sensor> without id");
            var res = s.Element("resolution") ?? throw new DatasetException($"{path}: sensor {sid} has no <resolution>");
            int w = ParseInt(path, res.Attribute("width")), h = ParseInt(path, res.Attribute("height"));
            double fx = double.NaN, fy = double.NaN, cx = 0, cy = 0;
            var calib = s.Element("calibration") ?? throw new DatasetException($"{path}: sensor {sid} has no <calibration>");
            foreach (var e in calib.Elements())
            {
                switch (e.Name.LocalName)
                {
                    case "f": fx = fy = ParseDouble(path, e.Value); break;
                    case "fx": fx = ParseDouble(path, e.Value); break;
                    case "fy": fy = ParseDouble(path, e.Value); break;
                    case "cx": cx = ParseDouble(path, e.Value); break;
                    case "cy": cy = ParseDouble(path, e.Value); break;
                    default: break; // distortion (parsed but unused by the original), b1/b2, resolution: ignored
                }
            }
            if (double.IsNaN(fx) || double.IsNaN(fy)) throw new DatasetException($"{path}: sensor {sid} has no focal length (f or fx/fy)");
            sensors[sid] = (w, h, [fx, 0, cx + w / 2.0, 0, fy, cy + h / 2.0, 0, 0, 1]);
        }

        var cameras = new List<AgisoftCamera>();
        withoutTransform = [];
        foreach (var c in doc.Descendants("camera"))
        {
            var tr = c.Element("transform");
            if (tr is null)
            {
                if ((string?)c.Attribute("label") is string skipped) withoutTransform.Add(LabelToFileName(skipped));
                continue;
            }
            string label = (string?)c.Attribute("label") ?? throw new DatasetException($"{path}: <camera> without label");
            string sid = (string?)c.Attribute("sensor_id") ?? throw new DatasetException($"{path}: camera '{label}' has no sensor_id");
            if (!sensors.TryGetValue(sid, out var sensor)) throw new DatasetException($"{path}: camera '{label}' refers to unknown sensor {sid}");
            var values = tr.Value.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries).Select(v => ParseDouble(path, v)).ToArray();
            if (values.Length != 16) throw new DatasetException($"{path}: camera '{label}' transform has {values.Length} numbers, expected 16");
            cameras.Add(new AgisoftCamera(LabelToFileName(label), sensor.W, sensor.H, (double[])sensor.K.Clone(), values));
        }
        return cameras;
    }

    /// <summary>The original's label rule: append ".jpg" unless the label ends in .jpg/.png; prefix "0" to a one-character stem.</summary>
    public static string LabelToFileName(string label)
    {
        string name = label;
        string lower = name.ToLowerInvariant();
        if (!lower.EndsWith(".jpg", StringComparison.Ordinal) && !lower.EndsWith(".png", StringComparison.Ordinal)) name += ".jpg";
        string stem = name[..^4];
        if (stem.Length == 1) name = "0" + name;
        return name;
    }

    static double ParseDouble(string path, string s) =>
        double.TryParse(s.Trim(), NumberStyles.Float, CultureInfo.InvariantCulture, out double v) ? v : throw new DatasetException($"{path}: '{s}' is not a number");

    static int ParseInt(string path, XAttribute? a) =>
        a is not null && int.TryParse(a.Value, NumberStyles.Integer, CultureInfo.InvariantCulture, out int v) ? v : throw new DatasetException($"{path}: missing or invalid resolution attribute");
}
