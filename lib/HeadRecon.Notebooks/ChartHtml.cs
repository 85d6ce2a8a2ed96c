using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Plotly.NET;

namespace HeadRecon.Notebooks;

/// <summary>
/// A chart as a self-contained HTML fragment that needs no network: the figure as JSON (long numeric arrays as
/// plotly.js typed arrays, base64), a static image of it for viewers that run no script (GitHub, nbviewer, untrusted
/// notebooks), and a small loader that draws the interactive chart with the plotly.js beside the page
/// (<see cref="PlotlyJs.FileName"/>) and then removes the image.
/// </summary>
public static partial class ChartHtml
{
    /// <summary>Numeric arrays at least this long are sent as typed arrays; shorter ones stay readable.</summary>
    public const int TypedArrayMinLength = 32;

    /// <summary>
    /// The figure ({data, layout, config}) Plotly.NET would draw, with its numeric arrays compacted.
    /// </summary>
    public static JsonObject Figure(GenericChart chart) =>
        FromPlotlyNetHtml(GenericChart.toChartHTML(chart)) ?? throw new InvalidOperationException("Plotly.NET's chart HTML no longer has the expected render script.");

    /// <summary>
    /// The figure in Plotly.NET's chart HTML (<c>var data = …; var layout = …; var config = …;</c>) or in a fragment
    /// this class wrote; null when the HTML holds neither (not a chart). Also reads notebook outputs saved by older versions.
    /// </summary>
    public static JsonObject? FromPlotlyNetHtml(string html)
    {
        var own = OwnFigure().Match(html);
        if (own.Success) return JsonNode.Parse(own.Groups[1].Value)!.AsObject();
        var m = PlotlyNetScript().Match(html);
        if (!m.Success) return null;
        var figure = new JsonObject
        {
            ["data"] = Compact(JsonNode.Parse(m.Groups[1].Value)),
            ["layout"] = Compact(JsonNode.Parse(m.Groups[2].Value)),
            ["config"] = JsonNode.Parse(m.Groups[3].Value),
        };
        return figure;
    }

    /// <summary>The div id a Plotly chart fragment draws into (kept when an output is rewritten), or null.</summary>
    public static string? ChartId(string html)
    {
        var m = ChartIdPattern().Match(html);
        return m.Success ? m.Groups[1].Value : null;
    }

    /// <summary>The fragment for a figure: static image (if given, a data URL), the chart's div, and the loader.</summary>
    public static string Html(string id, JsonObject figure, string? staticImage)
    {
        string title = figure["layout"]?["title"]?["text"]?.GetValue<string>() ?? "chart";
        var sb = new StringBuilder();
        sb.Append("<div class=\"headrecon-chart\">");
        if (staticImage is not null)
            sb.Append(CultureInfo.InvariantCulture, $"<img id=\"{id}-static\" src=\"{staticImage}\" alt=\"{System.Net.WebUtility.HtmlEncode(title)}\" style=\"max-width:100%\">");
        sb.Append(CultureInfo.InvariantCulture, $"<div id=\"{id}\"></div><script type=\"text/javascript\">(function(){{var id=\"{id}\",fig=/*fig*/");
        sb.Append(figure.ToJsonString(JsonOptions));
        sb.Append("/*end*/;").Append(Loader).Append("})();</script></div>");
        return sb.ToString();
    }

    /// <summary>The static image a fragment carries (a data URL), or null.</summary>
    public static string? StaticImage(string html)
    {
        var m = StaticImagePattern().Match(html);
        return m.Success ? m.Groups[1].Value : null;
    }

    // Draws with an already loaded plotly.js, else loads the file beside the page once per page (a shared promise):
    // in Jupyter from its /files/ route, else relative to the page; require.js (classic Jupyter) loads it as a module,
    // since a plain script tag would clash with its define().
    // Frames (sliders, Plotly animation) travel in the figure object.
    // A figure whose layout.meta.linkCameras is true turns all its 3D scenes together: a camera change in one scene
    // (drag, zoom) is applied to the others, so meshes side by side stay comparable from any viewpoint.
    const string Loader =
        "function link(P,gd){var busy=false;gd.on(\"plotly_relayout\",function(e){if(busy)return;" +
        "var k=Object.keys(e).filter(function(k){return /^scene\\d*\\.camera$/.test(k);})[0];if(!k)return;var u={};" +
        "Object.keys(gd._fullLayout).forEach(function(s){if(/^scene\\d*$/.test(s)&&s+\".camera\"!==k)u[s+\".camera\"]=e[k];});" +
        "busy=true;P.relayout(gd,u).then(function(){busy=false;},function(){busy=false;});});}" +
        "function draw(P){P.newPlot(id,{data:fig.data,layout:fig.layout,config:fig.config,frames:fig.frames||[]}).then(function(gd){var s=document.getElementById(id+\"-static\");if(s)s.remove();" +
        "if(fig.layout&&fig.layout.meta&&fig.layout.meta.linkCameras)link(P,gd);});}" +
        "var w=window;if(w.Plotly&&w.Plotly.newPlot){draw(w.Plotly);return;}" +
        "if(!w.headreconPlotly){w.headreconPlotly=new Promise(function(ok,fail){var f=\"" + PlotlyJs.FileName + "\",urls=[f]," +
        "m=location.pathname.match(/^(.*?)\\/(?:notebooks|lab\\/tree|lab\\/workspaces\\/[^\\/]+\\/tree|doc\\/tree)\\/(.*\\/)?[^\\/]*$/);" +
        "if(m)urls.unshift(m[1]+\"/files/\"+(m[2]||\"\")+f);" +
        "(function next(){var u=urls.shift();if(!u){fail();return;}" +
        "if(typeof require===\"function\"&&require.config){require.config({paths:{headrecon_plotly:u.replace(/\\.js$/,\"\")}});" +
        "require([\"headrecon_plotly\"],function(P){w.Plotly=P;ok(P);},function(){require.undef(\"headrecon_plotly\");next();});}" +
        "else{var s=document.createElement(\"script\");s.src=u;s.onload=function(){w.Plotly&&w.Plotly.newPlot?ok(w.Plotly):next();};s.onerror=next;document.head.appendChild(s);}})();});}" +
        "w.headreconPlotly.then(draw,function(){});";

    // The default encoder escapes <, > and & (and non-ASCII), so no string in a figure can end the script element early.
    static readonly JsonSerializerOptions JsonOptions = new();

    /// <summary>
    /// Replaces long numeric arrays by plotly.js typed arrays (<c>{"dtype", "bdata"[, "shape"]}</c>, little-endian,
    /// base64): integers as u2/i4, other values as f4 — finer than any pixel, a third of the text. Arrays of rows (heat
    /// map z) become one typed array with a shape. Arrays with nulls or strings stay as they are.
    /// </summary>
    public static JsonNode? Compact(JsonNode? node)
    {
        switch (node)
        {
            case JsonObject o:
                foreach (var key in o.Select(p => p.Key).ToList())
                {
                    var v = o[key];
                    var c = Compact(v);
                    if (!ReferenceEquals(c, v)) o[key] = c;
                }
                return o;
            case JsonArray a:
                if (TypedArray(a) is JsonObject typed) return typed;
                for (int i = 0; i < a.Count; i++)
                {
                    var v = a[i];
                    var c = Compact(v);
                    if (!ReferenceEquals(c, v)) a[i] = c;
                }
                return a;
            default:
                return node;
        }
    }

    static JsonObject? TypedArray(JsonArray a)
    {
        if (a.Count == 0) return null;
        double[]? flat;
        string? shape = null;
        if (a[0] is JsonArray)
        {
            // Rows of equal length: one typed array with a shape.
            int cols = (a[0] as JsonArray)!.Count;
            if (cols == 0 || (long)a.Count * cols < TypedArrayMinLength) return null;
            flat = new double[a.Count * cols];
            for (int r = 0; r < a.Count; r++)
            {
                if (a[r] is not JsonArray row || row.Count != cols || Numbers(row) is not double[] values) return null;
                values.CopyTo(flat, r * cols);
            }
            shape = $"{a.Count},{cols}";
        }
        else
        {
            if (a.Count < TypedArrayMinLength) return null;
            flat = Numbers(a);
            if (flat is null) return null;
        }
        string dtype;
        byte[] bytes;
        if (flat.All(v => v == Math.Floor(v) && v >= 0 && v <= ushort.MaxValue))
        {
            dtype = "u2";
            bytes = new byte[flat.Length * 2];
            for (int i = 0; i < flat.Length; i++) BitConverter.TryWriteBytes(bytes.AsSpan(2 * i), (ushort)flat[i]);
        }
        else if (flat.All(v => v == Math.Floor(v) && v >= int.MinValue && v <= int.MaxValue))
        {
            dtype = "i4";
            bytes = new byte[flat.Length * 4];
            for (int i = 0; i < flat.Length; i++) BitConverter.TryWriteBytes(bytes.AsSpan(4 * i), (int)flat[i]);
        }
        else
        {
            dtype = "f4";
            bytes = new byte[flat.Length * 4];
            for (int i = 0; i < flat.Length; i++) BitConverter.TryWriteBytes(bytes.AsSpan(4 * i), (float)flat[i]);
        }
        if (!BitConverter.IsLittleEndian) throw new PlatformNotSupportedException("plotly.js typed arrays are little-endian.");
        var typed = new JsonObject { ["dtype"] = dtype, ["bdata"] = Convert.ToBase64String(bytes) };
        if (shape is not null) typed["shape"] = shape;
        return typed;
    }

    static double[]? Numbers(JsonArray a)
    {
        var r = new double[a.Count];
        for (int i = 0; i < a.Count; i++)
        {
            if (a[i] is not JsonValue v || v.GetValueKind() != JsonValueKind.Number) return null;
            r[i] = v.GetValue<double>();
        }
        return r;
    }

    /// <summary>The numbers of a figure array, plain or typed (rows flattened); null when it holds anything else.</summary>
    public static double[]? Values(JsonNode? node) => node switch
    {
        JsonObject o when o["bdata"] is not null => Decode(o),
        JsonArray a => Numbers(a),
        _ => null,
    };

    /// <summary>A figure array for these numbers, typed when long (see <see cref="Compact"/>).</summary>
    public static JsonNode Array(IEnumerable<double> values) => Compact(new JsonArray([.. values.Select(v => (JsonNode?)JsonValue.Create(v))]))!;

    /// <summary>Decodes a typed array written by <see cref="Compact"/> (for tests and readers of saved outputs).</summary>
    public static double[] Decode(JsonObject typed)
    {
        var bytes = Convert.FromBase64String(typed["bdata"]!.GetValue<string>());
        return typed["dtype"]!.GetValue<string>() switch
        {
            "u2" => Enumerable.Range(0, bytes.Length / 2).Select(i => (double)BitConverter.ToUInt16(bytes, 2 * i)).ToArray(),
            "i4" => Enumerable.Range(0, bytes.Length / 4).Select(i => (double)BitConverter.ToInt32(bytes, 4 * i)).ToArray(),
            "f4" => Enumerable.Range(0, bytes.Length / 4).Select(i => (double)BitConverter.ToSingle(bytes, 4 * i)).ToArray(),
            var d => throw new FormatException($"unknown typed array dtype {d}"),
        };
    }

    [GeneratedRegex(@"var data = (.*?);\s*var layout = (.*?);\s*var config = (.*?);\s*Plotly\.newPlot\(", RegexOptions.Singleline)]
    private static partial Regex PlotlyNetScript();

    [GeneratedRegex(@"fig=/\*fig\*/(.*?)/\*end\*/;", RegexOptions.Singleline)]
    private static partial Regex OwnFigure();

    [GeneratedRegex(@"<div id=""([^""]+)""(?:><!--[^>]*-->)?></div><script")]
    private static partial Regex ChartIdPattern();

    [GeneratedRegex(@"<img id=""[^""]+-static"" src=""([^""]+)""")]
    private static partial Regex StaticImagePattern();
}
