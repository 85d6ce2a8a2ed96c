using HeadRecon.IO;

namespace HeadRecon.Notebooks;

/// <summary>
/// KaTeX from the distribution (Debian's libjs-katex, /usr/share/javascript/katex) for the notebook programs' pages:
/// copied beside the page (the script, the style, the auto-render extension and the woff2 fonts), so the equations are
/// typeset with no network. Where it is not installed the pages show the TeX source instead; nothing else changes.
/// </summary>
public static class Katex
{
    /// <summary>The folder beside a page that holds the copy.</summary>
    public const string FolderName = "katex";

    /// <summary>HEADRECON_KATEX, else Debian's libjs-katex; null when neither has katex.min.js.</summary>
    public static string? Installed { get; } = Find();

    static string? Find()
    {
        foreach (var dir in new[] { Environment.GetEnvironmentVariable("HEADRECON_KATEX"), "/usr/share/javascript/katex" })
            if (!string.IsNullOrEmpty(dir) && File.Exists(Path.Combine(dir, "katex.min.js")) && File.Exists(Path.Combine(dir, "contrib", "auto-render.js")))
                return dir;
        return null;
    }

    /// <summary>Copies KaTeX into <paramref name="dir"/>/katex unless it is there already; false when it is not installed.</summary>
    public static bool WriteInto(string dir)
    {
        if (Installed is not { } src) return false;
        string dst = Path.Combine(dir, FolderName);
        foreach (var rel in new[] { "katex.min.js", "katex.min.css", Path.Combine("contrib", "auto-render.js") })
            CopyIfChanged(Path.Combine(src, rel), Path.Combine(dst, rel));
        string fonts = Path.Combine(src, "fonts");
        if (Directory.Exists(fonts))
            foreach (var f in Directory.EnumerateFiles(fonts, "*.woff2"))
                CopyIfChanged(f, Path.Combine(dst, "fonts", Path.GetFileName(f)));
        return true;
    }

    static void CopyIfChanged(string from, string to)
    {
        if (File.Exists(to) && new FileInfo(to).Length == new FileInfo(from).Length) return;
        Directory.CreateDirectory(Path.GetDirectoryName(to)!);
        AtomicFile.WriteAllBytes(to, File.ReadAllBytes(from));
    }

    /// <summary>
    /// The page header that typesets Markdig's math (<c>\(…\)</c> in span.math, <c>\[…\]</c> in div.math) with the copy;
    /// auto-render leaves code, pre and script elements alone, so C# cells and charts are untouched.
    /// </summary>
    public const string Head =
        "<link rel=\"stylesheet\" href=\"" + FolderName + "/katex.min.css\"><script defer src=\"" + FolderName + "/katex.min.js\"></script>" +
        "<script defer src=\"" + FolderName + "/contrib/auto-render.js\" onload=\"renderMathInElement(document.body,{delimiters:[" +
        "{left:'\\\\[',right:'\\\\]',display:true},{left:'\\\\(',right:'\\\\)',display:false}],throwOnError:false})\"></script>";
}
