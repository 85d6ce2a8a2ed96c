using System.Globalization;
using System.Net;
using System.Runtime.CompilerServices;
using System.Text;
using System.Text.RegularExpressions;
using HeadRecon.IO;
using Markdig;
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

/// <summary>
/// The HTML page a notebook program writes: every cell of its source in order (Markdown rendered, C# folded) with the
/// values the cell showed under it. Rewritten after each value (atomically) and, for a program, at exit, so a run that stops part way
/// leaves a page of what it reached; live updates are written at most every few seconds.
/// </summary>
public sealed class NotebookPage
{
    static readonly TimeSpan UpdateInterval = TimeSpan.FromSeconds(3);
    // Math ($…$, $$…$$) is kept out of Markdown's emphasis and shown as its TeX source: the page loads nothing from the
    // network, and no math renderer ships with the repository.
    static readonly MarkdownPipeline Markdown = new MarkdownPipelineBuilder().UsePipeTables().UseEmphasisExtras().UseMathematics().Build();

    readonly IReadOnlyList<NotebookSource.Cell> _cells;
    // A value's HTML is made once (a chart's figure is large), when the page is next written.
    sealed class Output(int cell, object value)
    {
        public int Cell { get; } = cell;
        public object Value { get; set; } = value;
        public string? Html { get; set; }
    }

    readonly List<Output> _outputs = [];
    readonly TextWriter _log;
    readonly System.Diagnostics.Stopwatch _sinceWrite = System.Diagnostics.Stopwatch.StartNew();
    readonly Lock _gate = new();

    public string SourcePath { get; }
    public string PagePath { get; }

    public NotebookPage(string sourcePath, string pagePath, TextWriter? log = null)
    {
        SourcePath = sourcePath;
        PagePath = pagePath;
        _cells = NotebookSource.Parse(File.ReadAllText(sourcePath), sourcePath);
        _log = log ?? Console.Out;
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(pagePath))!);
        PlotlyJs.WriteInto(Path.GetDirectoryName(Path.GetFullPath(pagePath))!);
        _log.WriteLine($"page: {PagePath}");
        Write();
    }

    /// <summary>The page of the running file-based app (<c>dotnet run NAME.cs</c>): <c>$HEADNB_PAGES/NAME.html</c>, by
    /// default <c>pages/NAME.html</c> beside the source folder.</summary>
    public static NotebookPage ForEntryPoint()
    {
        string source = AppContext.GetData("EntryPointFilePath") as string
            ?? throw new InvalidOperationException("Show outside a notebook kernel needs a notebook program (dotnet run notebooks/src/NAME.cs) or NotebookOutput.Page set");
        string dir = Environment.GetEnvironmentVariable("HEADNB_PAGES") is { Length: > 0 } d ? d : Path.Combine(Path.GetDirectoryName(source)!, "..", "pages");
        var page = new NotebookPage(source, Path.GetFullPath(Path.Combine(dir, Path.GetFileNameWithoutExtension(source) + ".html")));
        // The last live update may have been held back by the write interval.
        AppDomain.CurrentDomain.ProcessExit += (_, _) => page.Write();
        return page;
    }

    /// <summary>Index of the cell holding source line <paramref name="line"/> (the last C# cell when none does).</summary>
    public int CellOf(int line)
    {
        for (int i = 0; i < _cells.Count; i++)
            if (line >= _cells[i].FirstLine && line <= _cells[i].LastLine) return i;
        return _cells.Select((c, i) => (c, i)).Last(x => x.c.Kind == NotebookSource.CellKind.Code).i;
    }

    public NotebookDisplay Add(object value, int line)
    {
        int cell = CellOf(line);
        var output = new Output(cell, value);
        lock (_gate) _outputs.Add(output);
        _log.WriteLine($"[cell {cell + 1}] {NotebookOutput.Summary(value)}");
        Write();
        return new NotebookDisplay(v =>
        {
            lock (_gate) { output.Value = v; output.Html = null; }
            if (_sinceWrite.Elapsed < UpdateInterval) return;
            _log.WriteLine($"[cell {cell + 1}] {NotebookOutput.Summary(v)}");
            Write();
        });
    }

    /// <summary>Writes the page as it stands.</summary>
    public void Write()
    {
        lock (_gate)
        {
            var sb = new StringBuilder();
            string title = WebUtility.HtmlEncode(Path.GetFileNameWithoutExtension(SourcePath));
            sb.Append("<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>").Append(title).Append("</title><style>")
              .Append("body{font-family:sans-serif;max-width:1200px;margin:2em auto;padding:0 1em;line-height:1.45}")
              .Append("details{margin:.6em 0;border-left:3px solid #ccd;padding-left:.6em}summary{color:#667;cursor:pointer;font-size:12px}")
              .Append("pre{background:#f6f6f8;padding:.5em;overflow:auto;font-size:12px}.out{margin:.4em 0 1.2em}")
              .Append(".math{font-family:'DejaVu Serif',serif;color:#234;background:#f3f5fa}div.math{padding:.3em .6em;margin:.4em 0;overflow:auto}")
              .Append("</style></head><body>\n");
            for (int i = 0; i < _cells.Count; i++)
            {
                var c = _cells[i];
                if (c.Kind == NotebookSource.CellKind.Markdown)
                {
                    sb.Append(Markdig.Markdown.ToHtml(c.Text, Markdown)).Append('\n');
                    continue;
                }
                sb.Append(CultureInfo.InvariantCulture, $"<details><summary>cell {i + 1}: C#</summary><pre>").Append(WebUtility.HtmlEncode(c.Text)).Append("</pre></details>\n");
                foreach (var o in _outputs.Where(o => o.Cell == i))
                    sb.Append("<div class=\"out\">").Append(o.Html ??= NotebookOutput.ToHtml(o.Value, staticImage: false)).Append("</div>\n");
            }
            sb.Append("</body></html>\n");
            AtomicFile.WriteAllText(PagePath, sb.ToString());
            _sinceWrite.Restart();
        }
    }
}
