using System.Globalization;
using System.Net;
using System.Text;
using HeadRecon.IO;
using Markdig;

namespace HeadRecon.Notebooks;

/// <summary>
/// The HTML page a notebook program writes: every cell of its source in order (Markdown rendered, C# folded) with the
/// values the cell showed under it. Rewritten after each value (atomically) and, for a program, at exit, so a run that stops part way
/// leaves a page of what it reached; live updates are written at most every few seconds.
/// </summary>
public sealed partial class NotebookPage
{
    static readonly TimeSpan UpdateInterval = TimeSpan.FromSeconds(3);
    // Math ($…$, $$…$$) is kept out of Markdown's emphasis; KaTeX from the distribution typesets it where installed
    // (copied beside the page: nothing from the network), else it shows as its TeX source.
    internal static readonly MarkdownPipeline Markdown = new MarkdownPipelineBuilder().UsePipeTables().UseEmphasisExtras().UseMathematics().Build();

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

    readonly bool _typesetMath;

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
        _typesetMath = Katex.WriteInto(Path.GetDirectoryName(Path.GetFullPath(pagePath))!);
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

    /// <summary>
    /// A line that is one <c>$$…$$</c> equation becomes a math block, as Jupyter shows it; inside a paragraph Markdig
    /// would read it as inline math.
    /// </summary>
    public static string DisplayMathBlocks(string markdown) => DisplayMathLine().Replace(markdown, m => $"\n$$\n{m.Groups[1].Value.Trim()}\n$$\n");

    [System.Text.RegularExpressions.GeneratedRegex(@"^[ \t]*\$\$(.+?)\$\$[ \t]*$", System.Text.RegularExpressions.RegexOptions.Multiline)]
    private static partial System.Text.RegularExpressions.Regex DisplayMathLine();

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
              .Append("</style>").Append(_typesetMath ? Katex.Head : "").Append("</head><body>\n");
            for (int i = 0; i < _cells.Count; i++)
            {
                var c = _cells[i];
                if (c.Kind == NotebookSource.CellKind.Markdown)
                {
                    sb.Append(Markdig.Markdown.ToHtml(DisplayMathBlocks(c.Text), Markdown)).Append('\n');
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
