using System.Text.Json;
using System.Text.Json.Nodes;
using HeadRecon.Meshing;

namespace HeadRecon.Data;

/// <summary>2D landmarks of every view: view (image file name) → landmark name → pixel (column, row).</summary>
public sealed record Landmarks2D(IReadOnlyDictionary<string, IReadOnlyDictionary<string, (double U, double V)>> Views)
{
    public IEnumerable<string> Names => Views.Values.SelectMany(v => v.Keys).Distinct().Order(StringComparer.Ordinal);
}

/// <summary>
/// Landmark JSON files. 3D: <c>{"units": "mm", "points": {"nose_tip": [x, y, z], …}}</c> (the "points" wrapper is
/// optional; a value may also be a vertex index into a mesh, as H3DS's landmarks.txt). 2D: <c>{"views": {"000.png":
/// {"nose_tip": [u, v], …}, …}}</c> in the scene's pixel convention: (column, row), the top-left pixel's centre at
/// (0, 0) (VolSDF's, which the cameras of every loader use). Names as <see cref="HeadLandmarks"/>.
/// </summary>
public static class LandmarkFiles
{
    public static void Write3D(string path, HeadLandmarks landmarks, string units, string frame)
    {
        var points = new JsonObject();
        foreach (var (name, p) in landmarks.Points.OrderBy(kv => Array.IndexOf(HeadLandmarks.All, kv.Key)))
            points[name] = new JsonArray(p.X, p.Y, p.Z);
        var doc = new JsonObject { ["units"] = units, ["frame"] = frame, ["points"] = points };
        IO.JsonFiles.Write(path, doc);
    }

    /// <summary>Reads named 3D points; integer values are vertex indices into <paramref name="mesh"/>.</summary>
    public static HeadLandmarks Read3D(string path, Mesh? mesh = null)
    {
        var root = Parse(path);
        var points = root["points"] as JsonObject ?? root;
        var result = new Dictionary<string, Vector3d>(StringComparer.Ordinal);
        foreach (var (name, value) in points)
        {
            if (name is "units" or "frame") continue;
            if (value is JsonValue v && v.TryGetValue(out int index))
            {
                if (mesh is null) throw new DatasetException($"{path}: landmark '{name}' is a vertex index but no mesh was given to resolve it");
                if (index < 0 || index >= mesh.VertexCount) throw new DatasetException($"{path}: landmark '{name}' is vertex {index}, outside the mesh's {mesh.VertexCount} vertices");
                result[name] = new Vector3d(mesh.Vertices[3 * index], mesh.Vertices[3 * index + 1], mesh.Vertices[3 * index + 2]);
                continue;
            }
            var xyz = Numbers(value, path, name, 3);
            result[name] = new Vector3d(xyz[0], xyz[1], xyz[2]);
        }
        if (result.Count == 0) throw new DatasetException($"{path}: no landmarks");
        return new HeadLandmarks(result);
    }

    public static void Write2D(string path, Landmarks2D landmarks)
    {
        var views = new JsonObject();
        foreach (var (view, pts) in landmarks.Views.OrderBy(kv => kv.Key, StringComparer.Ordinal))
        {
            var o = new JsonObject();
            foreach (var (name, (u, v)) in pts.OrderBy(kv => Array.IndexOf(HeadLandmarks.All, kv.Key))) o[name] = new JsonArray(u, v);
            views[view] = o;
        }
        var doc = new JsonObject
        {
            ["convention"] = "pixel (column, row); the centre of the top-left pixel is (0, 0)",
            ["views"] = views,
        };
        IO.JsonFiles.Write(path, doc);
    }

    public static Landmarks2D Read2D(string path)
    {
        var root = Parse(path);
        var views = root["views"] as JsonObject ?? throw new DatasetException($"{path}: expected {{\"views\": {{\"<image name>\": {{\"<landmark>\": [u, v], …}}}}}}");
        var result = new Dictionary<string, IReadOnlyDictionary<string, (double, double)>>(StringComparer.Ordinal);
        foreach (var (view, pts) in views)
        {
            if (pts is not JsonObject o) throw new DatasetException($"{path}: view '{view}' must map landmark names to [u, v]");
            var d = new Dictionary<string, (double, double)>(StringComparer.Ordinal);
            foreach (var (name, value) in o)
            {
                var uv = Numbers(value, path, $"{view}/{name}", 2);
                d[name] = (uv[0], uv[1]);
            }
            result[view] = d;
        }
        return new Landmarks2D(result);
    }

    static JsonObject Parse(string path)
    {
        if (!File.Exists(path)) throw new DatasetException($"{path}: landmark file not found");
        try
        {
            return JsonNode.Parse(File.ReadAllText(path)) as JsonObject ?? throw new DatasetException($"{path}: expected a JSON object");
        }
        catch (JsonException ex) { throw new DatasetException($"{path}: malformed JSON ({ex.Message})", ex); }
    }

    static double[] Numbers(JsonNode? node, string path, string what, int count)
    {
        if (node is JsonArray a && a.Count == count)
        {
            var r = new double[count];
            for (int i = 0; i < count; i++)
                if (a[i] is not JsonValue v || !v.TryGetValue(out r[i]) || !double.IsFinite(r[i])) goto bad;
            return r;
        }
    bad:
        throw new DatasetException($"{path}: landmark '{what}' must be [{(count == 2 ? "u, v" : "x, y, z")}] (finite numbers)");
    }
}
