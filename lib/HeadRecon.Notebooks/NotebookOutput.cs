using System.Globalization;
using System.Net;
using System.Runtime.CompilerServices;
using System.Text.RegularExpressions;
using Plotly.NET;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;
using DMesh = HeadRecon.Meshing.Mesh;
using Tensor = TorchSharp.torch.Tensor;

namespace HeadRecon.Notebooks;

/// <summary>
/// Where a notebook cell's values go. In Jupyter the kernel's setup (<c>notebooks/setup.csx</c>) sets
/// <see cref="KernelDisplay"/> and values show inline; run as a program (<c>dotnet run notebooks/src/NAME.cs</c>) they go
/// to an HTML page beside the source (<see cref="NotebookPage"/>), under the cell that showed them, with a line each in
/// the terminal. Cells call <c>Show(value)</c> (<c>using static HeadRecon.Notebooks.NotebookOutput;</c>).
/// </summary>
public static partial class NotebookOutput
{
    /// <summary>Shows a value with the kernel's formatters and returns what updates it in place; null outside a kernel.</summary>
    public static Func<object, Action<object>>? KernelDisplay { get; set; }

    /// <summary>The page a program writes (opened from the running app's source file on the first value).</summary>
    public static NotebookPage? Page { get; set; }

    /// <summary>Shows <paramref name="value"/> (a chart, image, mesh, tensor, HTML fragment, text or anything with a
    /// ToString); the result's <see cref="NotebookDisplay.Update"/> redraws it in place (live progress).</summary>
    public static NotebookDisplay Show(object? value, [CallerLineNumber] int line = 0)
    {
        value ??= "null";
        if (KernelDisplay is { } display) return new NotebookDisplay(display(value));
        Page ??= NotebookPage.ForEntryPoint();
        return Page.Add(value, line);
    }

    /// <summary>Shows raw HTML (image rows, GIFs).</summary>
    public static NotebookDisplay ShowHtml(string html, [CallerLineNumber] int line = 0) => Show(new HtmlFragment(html), line);

    /// <summary>The HTML a value is shown as: in the kernel's formatters and on the page (one conversion for both).</summary>
    public static string ToHtml(object value, bool staticImage = true) => value switch
    {
        GenericChart chart => Plots.ToHtml(chart, staticImage),
        FramedChart chart => Plots.ToHtml(chart, staticImage),
        HtmlFragment h => h.Html,
        Image<Rgb24> image => NotebookHtml.Image(image),
        DMesh m => $"<code>{WebUtility.HtmlEncode(Describe(m))}</code>",
        Tensor t => $"<code>{WebUtility.HtmlEncode(Describe(t))}</code>",
        _ => $"<pre style=\"white-space:pre-wrap\">{WebUtility.HtmlEncode(Text(value))}</pre>",
    };

    /// <summary>A one-line description for the terminal.</summary>
    public static string Summary(object value)
    {
        string s = value switch
        {
            GenericChart chart => "chart: " + (ChartHtml.Figure(chart)["layout"]?["title"]?["text"]?.GetValue<string>() ?? "(untitled)"),
            FramedChart chart => $"chart: {ChartHtml.Figure(chart.Chart)["layout"]?["title"]?["text"]?.GetValue<string>() ?? "(untitled)"} ({chart.Frames.Count} slider steps)",
            HtmlFragment h => PlainText(h.Html),
            Image<Rgb24> image => $"image {image.Width}×{image.Height}",
            DMesh m => Describe(m),
            Tensor t => Describe(t),
            _ => Text(value),
        };
        s = s.ReplaceLineEndings(" ");
        return s.Length > 200 ? s[..199] + "…" : s;
    }

    public static string Describe(DMesh m)
    {
        var (lo, hi) = m.Bounds();
        return FormattableString.Invariant(
            $"Mesh: {m.VertexCount} vertices, {m.FaceCount} faces, bounds ({lo.X:F3}, {lo.Y:F3}, {lo.Z:F3})..({hi.X:F3}, {hi.Y:F3}, {hi.Z:F3}){(m.Colors is null ? "" : ", coloured")}");
    }

    public static string Describe(Tensor t)
    {
        string stats = t.numel() > 0 && t.is_floating_point()
            ? FormattableString.Invariant($", min {t.min().item<float>():G4}, max {t.max().item<float>():G4}, mean {t.mean().item<float>():G4}") : "";
        return $"Tensor [{string.Join(", ", t.shape)}] {t.dtype} on {t.device}{stats}";
    }

    static string Text(object value) => value is IFormattable f ? f.ToString(null, CultureInfo.InvariantCulture) : value.ToString() ?? "";

    /// <summary>The visible text of an HTML fragment (scripts and tags removed).</summary>
    public static string PlainText(string html) =>
        WebUtility.HtmlDecode(Tags().Replace(Scripts().Replace(html, " "), " ")).Trim() is var t && t.Length > 0 ? Spaces().Replace(t, " ") : "(html)";

    [GeneratedRegex("<script.*?</script>", RegexOptions.Singleline | RegexOptions.IgnoreCase)]
    private static partial Regex Scripts();

    [GeneratedRegex("<[^>]*>")]
    private static partial Regex Tags();

    [GeneratedRegex(@"\s+")]
    private static partial Regex Spaces();
}

/// <summary>A value on show: <see cref="Update"/> replaces it (a kernel's display, or its place on the page).</summary>
public sealed class NotebookDisplay(Action<object> update)
{
    public void Update(object value) => update(value);
}
