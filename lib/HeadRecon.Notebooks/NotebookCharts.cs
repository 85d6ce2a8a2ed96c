using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using HeadRecon.IO;
using DMesh = HeadRecon.Meshing.Mesh;

namespace HeadRecon.Notebooks;

/// <summary>
/// The charts saved in a notebook's outputs (.ipynb), rewritten to the offline form of <see cref="ChartHtml"/>: the
/// figures are kept as they are (long arrays re-encoded as typed arrays), each gains a static image, and the
/// plotly.js they reference is written beside the notebook. Outputs saved by older versions (which loaded plotly.js
/// from a CDN) are converted without re-running the notebook.
/// </summary>
public static partial class NotebookCharts
{
    public sealed record Summary(string Path, int Charts, int Images, long BytesBefore, long BytesAfter);

    /// <summary>A function of the .NET Interactive kernel's front-end bootstrap output.</summary>
    public const string KernelBootstrapMarker = "loadDotnetInteractiveApi";

    /// <summary>Rewrites the notebook in place (atomically); <paramref name="refreshImages"/> redraws images a chart already has.</summary>
    public static Summary MakeOffline(string ipynb, bool refreshImages = false)
    {
        long before = new FileInfo(ipynb).Length;
        JsonObject nb;
        try { nb = JsonNode.Parse(File.ReadAllText(ipynb))!.AsObject(); }
        catch (JsonException e) { throw new InvalidDataException($"{ipynb}: not a notebook (JSON: {e.Message})", e); }

        var charts = new List<(JsonObject Data, string Id, JsonObject Figure, string? Image)>();
        int removed = 0;
        foreach (var cell in nb["cells"]?.AsArray() ?? [])
        {
            if (cell?["outputs"] is not JsonArray outputs) continue;
            // The kernel's front-end bootstrap probes the kernel's host addresses and loads require.js from a CDN; in a
            // saved notebook it has nothing to connect to (a live kernel emits it again).
            for (int k = outputs.Count - 1; k >= 0; k--)
                if (outputs[k]?["data"]?["text/html"] is JsonNode h && Text(h).Contains(KernelBootstrapMarker, StringComparison.Ordinal))
                {
                    outputs.RemoveAt(k);
                    removed++;
                }
            foreach (var output in outputs)
            {
                if (output?["data"] is not JsonObject data || data["text/html"] is not JsonNode htmlNode) continue;
                string html = Text(htmlNode);
                if (ChartHtml.FromPlotlyNetHtml(html) is not JsonObject figure) continue;
                bool simplified = false;
                foreach (var trace in figure["data"]?.AsArray() ?? [])
                    if (trace is JsonObject t && t["type"]?.GetValue<string>() == "mesh3d") simplified |= SimplifyMesh(t);
                string id = ChartHtml.ChartId(html) ?? "chart-" + Guid.NewGuid().ToString("N");
                // A chart whose meshes were simplified gets a new image: the old one shows what is no longer there.
                charts.Add((data, id, figure, refreshImages || simplified ? null : ChartHtml.StaticImage(html)));
            }
        }

        var missing = charts.Select((c, i) => (c, i)).Where(x => x.c.Image is null).ToList();
        var images = ChartImages.Render(missing.Select(x => x.c.Figure).ToList());
        var all = charts.Select(c => c.Image).ToArray();
        for (int k = 0; k < missing.Count; k++) all[missing[k].i] = images[k];
        for (int i = 0; i < charts.Count; i++)
            charts[i].Data["text/html"] = Lines(ChartHtml.Html(charts[i].Id, charts[i].Figure, all[i]));

        if (charts.Count > 0 || removed > 0)
        {
            AtomicFile.WriteAllText(ipynb, nb.ToJsonString(NotebookJson) + "\n");
            PlotlyJs.WriteInto(Path.GetDirectoryName(Path.GetFullPath(ipynb))!);
        }
        return new Summary(ipynb, charts.Count, all.Count(a => a is not null), before, new FileInfo(ipynb).Length);
    }

    /// <summary>
    /// A saved mesh trace with more vertices than <see cref="Plots.MaxDisplayVertices"/> is simplified the way
    /// <see cref="Plots.MeshTrace"/> shows meshes today (vertex clustering, per-vertex values averaged); true when it was.
    /// </summary>
    static bool SimplifyMesh(JsonObject t)
    {
        var c = new[] { "x", "y", "z", "i", "j", "k" }.Select(k => ChartHtml.Values(t[k])).ToArray();
        if (c.Any(a => a is null) || c[0]!.Length <= Plots.MaxDisplayVertices) return false;
        int n = c[0]!.Length, f = c[3]!.Length;
        var v = new float[3 * n];
        for (int q = 0; q < n; q++) { v[3 * q] = (float)c[0]![q]; v[3 * q + 1] = (float)c[1]![q]; v[3 * q + 2] = (float)c[2]![q]; }
        var faces = new int[3 * f];
        for (int q = 0; q < f; q++) { faces[3 * q] = (int)c[3]![q]; faces[3 * q + 1] = (int)c[4]![q]; faces[3 * q + 2] = (int)c[5]![q]; }
        var shown = new DMesh(v, faces).SimplifiedForDisplay(Plots.MaxDisplayVertices, out var clusterOf);
        if (clusterOf is null) return false;
        for (int axis = 0; axis < 3; axis++)
            t["xyz"[axis].ToString()] = ChartHtml.Array(Enumerable.Range(0, shown.VertexCount).Select(q => Math.Round(shown.Vertices[3 * q + axis], 4)));
        for (int corner = 0; corner < 3; corner++)
            t["ijk"[corner].ToString()] = ChartHtml.Array(Enumerable.Range(0, shown.FaceCount).Select(q => (double)shown.Faces[3 * q + corner]));
        if (ChartHtml.Values(t["intensity"]) is double[] intensity && intensity.Length == n)
            t["intensity"] = ChartHtml.Array(DMesh.AverageByCluster([.. intensity.Select(x => (float)x)], clusterOf).Select(x => Math.Round(x, 4)));
        if (t["vertexcolor"] is JsonArray colors && colors.Count == n)
        {
            var rgb = colors.SelectMany(col => RgbPattern().Match(col!.GetValue<string>()) is { Success: true } m
                ? new[] { float.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture), float.Parse(m.Groups[2].Value, CultureInfo.InvariantCulture), float.Parse(m.Groups[3].Value, CultureInfo.InvariantCulture) }
                : [200f, 200f, 200f]).ToArray();
            var avg = DMesh.AverageByCluster(rgb, clusterOf, 3);
            t["vertexcolor"] = new JsonArray([.. Enumerable.Range(0, shown.VertexCount).Select(q =>
                (JsonNode?)JsonValue.Create($"rgb({Math.Round(avg[3 * q])},{Math.Round(avg[3 * q + 1])},{Math.Round(avg[3 * q + 2])})"))]);
        }
        return true;
    }

    [GeneratedRegex(@"rgb\(\s*([\d.]+)\s*,\s*([\d.]+)\s*,\s*([\d.]+)")]
    private static partial Regex RgbPattern();

    /// <summary>Jupyter's own layout (one-space indent, UTF-8 kept), so a rewrite diffs like a save from Jupyter.</summary>
    public static readonly JsonSerializerOptions NotebookJson = new()
    {
        WriteIndented = true,
        IndentSize = 1,
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    /// <summary>A multi-line string field of a notebook (a string, or a list of lines).</summary>
    public static string Text(JsonNode node) => node is JsonArray a ? string.Concat(a.Select(l => l!.GetValue<string>())) : node.GetValue<string>();

    /// <summary>Text as a notebook stores it: a list of lines, each with its newline.</summary>
    internal static JsonArray Lines(string text)
    {
        var lines = new JsonArray();
        int start = 0;
        for (int i = 0; i < text.Length; i++)
            if (text[i] == '\n') { lines.Add(text[start..(i + 1)]); start = i + 1; }
        if (start < text.Length) lines.Add(text[start..]);
        return lines;
    }
}
