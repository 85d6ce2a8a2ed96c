using System.Globalization;
using System.Xml;
using System.Xml.Linq;

namespace HeadRecon.Data.Import;

/// <summary>
/// Cameras of an Agisoft Metashape/PhotoScan cameras XML. Agisoft stores camera-to-chunk transforms with OpenCV axes
/// (x right, y down, z forward) and the principal point as an offset from the image centre; parsed as the PR loader
/// does (<see cref="PrDataset.ParseAgisoftXml(string)"/>: cx + W/2, no half-pixel shift). A chunk &lt;transform&gt;
/// (rotation, translation, scale) is applied, so cameras land in the chunk's world frame and units. Images smaller or
/// larger than the sensor by one factor get their intrinsics scaled. Distortion (k1–k3, p1, p2) is not corrected:
/// the import stops when it moves a pixel by more than maxDistortionPx.
/// </summary>
public static class AgisoftImport
{
    public static List<ImportCamera> Load(string xmlPath, string imagesDir, double maxDistortionPx = ColmapImport.DefaultMaxDistortionPx)
    {
        var cams = PrDataset.ParseAgisoftXml(xmlPath);
        if (!Directory.Exists(imagesDir)) throw new DatasetException($"{imagesDir}: image folder not found");
        var doc = LoadXml(xmlPath);
        CheckDistortion(doc, xmlPath, maxDistortionPx);
        var chunk = ChunkTransform(doc, xmlPath);
        var result = new List<ImportCamera>();
        foreach (var c in cams.OrderBy(c => c.Name, StringComparer.Ordinal))
        {
            string path = ImageFiles.Find(imagesDir, c.Name)
                ?? ImageFiles.Find(imagesDir, c.Name.TrimStart('0'))
                ?? throw new DatasetException($"{imagesDir}: no image for camera '{c.Name}' of {xmlPath} (matched by file stem)");
            var (w, h) = ImageLoading.Size(path);
            var k = (double[])c.Intrinsics.Clone();
            if (w != c.Width || h != c.Height)
            {
                double sx = (double)w / c.Width, sy = (double)h / c.Height;
                if (Math.Abs(sx - sy) * Math.Max(c.Width, c.Height) > 1.0)
                    throw new DatasetException($"{path}: image is {w}x{h} but its sensor in {xmlPath} is {c.Width}x{c.Height} (not one scale factor)");
                // Pixel centres at integers: u' = (u + 0.5)·s − 0.5.
                k[0] *= sx; k[2] = (k[2] + 0.5) * sx - 0.5; k[4] *= sy; k[5] = (k[5] + 0.5) * sy - 0.5;
            }
            var c2w = chunk is null ? c.CameraToWorld : chunk.ApplyToCameraToWorld(c.CameraToWorld);
            result.Add(new ImportCamera(c.Name, path, w, h, k, c2w));
        }
        if (result.Count == 0) throw new DatasetException($"{xmlPath}: no camera has a transform");
        return result;
    }

    static XDocument LoadXml(string path)
    {
        try { return XDocument.Load(path); }
        catch (XmlException ex) { throw new DatasetException($"{path}: malformed XML ({ex.Message})", ex); }
    }

    /// <summary>The chunk's &lt;transform&gt; (world = s·R·x_chunk + t), or null.</summary>
    static Similarity? ChunkTransform(XDocument doc, string path)
    {
        var tr = doc.Descendants("chunk").Elements("transform").FirstOrDefault();
        if (tr is null) return null;
        double[] Numbers(string name, int count, double[] fallback)
        {
            var e = tr.Element(name);
            if (e is null) return fallback;
            var v = e.Value.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries)
                .Select(s => double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out double d) ? d : throw new DatasetException($"{path}: chunk transform <{name}> has '{s}'")).ToArray();
            return v.Length == count ? v : throw new DatasetException($"{path}: chunk transform <{name}> has {v.Length} numbers, expected {count}");
        }
        var r = Numbers("rotation", 9, Rotations.Identity);
        var t = Numbers("translation", 3, [0, 0, 0]);
        var s = Numbers("scale", 1, [1])[0];
        return new Similarity(s, Rotations.Orthonormalize(r), t);
    }

    static void CheckDistortion(XDocument doc, string path, double maxPx)
    {
        foreach (var sensor in doc.Descendants("sensor"))
        {
            var calib = sensor.Element("calibration");
            var res = sensor.Element("resolution");
            if (calib is null || res is null) continue;
            double Get(string name) => calib.Element(name) is { } e && double.TryParse(e.Value, NumberStyles.Float, CultureInfo.InvariantCulture, out double v) ? v : 0;
            int w = (int?)res.Attribute("width") ?? 0, h = (int?)res.Attribute("height") ?? 0;
            double f = Get("f"), fx = calib.Element("fx") is null ? f : Get("fx"), fy = calib.Element("fy") is null ? f : Get("fy");
            if (!(fx > 0 && fy > 0) || w <= 0 || h <= 0) continue;
            // Metashape's tangential terms are OpenCV's with p1 and p2 swapped.
            double worst = ColmapImport.MaxDistortionPx(w, h, fx, fy, w / 2.0 + Get("cx"), h / 2.0 + Get("cy"), Get("k1"), Get("k2"), Get("p2"), Get("p1"), Get("k3"));
            if (worst > maxPx)
                throw new DatasetException(string.Create(CultureInfo.InvariantCulture,
                    $"{path}: sensor {(string?)sensor.Attribute("id")} distorts pixels by up to {worst:F2} px at the image border (limit {maxPx} px, --max-distortion-px); the import ignores distortion, so export undistorted images and a pinhole calibration"));
        }
    }
}
