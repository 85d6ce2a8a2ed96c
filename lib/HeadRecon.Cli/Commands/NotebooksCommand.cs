using System.CommandLine;
using HeadRecon.Notebooks;

namespace HeadRecon.Cli.Commands;

/// <summary>`headrecon notebooks build`: the .ipynb files from their C# sources; `headrecon notebooks offline NB.ipynb…`:
/// saved chart outputs that need no network.</summary>
public static class NotebooksCommand
{
    public static Command Create()
    {
        var files = new Argument<string[]>("NOTEBOOK") { Description = "notebooks (.ipynb) to rewrite in place", Arity = ArgumentArity.OneOrMore };
        var refresh = new Option<bool>("--refresh-images") { Description = "redraw static images that charts already carry" };
        var maxVertices = new Option<int>("--max-vertices")
        {
            Description = "simplify saved meshes above this many vertices (their images are redrawn)",
            DefaultValueFactory = _ => Plots.MaxDisplayVertices,
        };
        var offline = new Command("offline",
            "Rewrite the charts saved in notebooks so they need no network: plotly.js beside the notebook instead of a CDN, " +
            "long arrays as typed arrays, and a static image per chart (drawn by headless Chromium when installed).") { files, refresh, maxVertices };
        offline.SetAction(p =>
        {
            int max = p.GetValue(maxVertices);
            if (max < 100) throw new ArgumentException($"--max-vertices must be ≥ 100, got {max}");
            Plots.MaxDisplayVertices = max;
            if (ChartImages.Browser is null)
                Console.Error.WriteLine("headrecon: no headless Chromium found (apt-get install chromium, or set HEADRECON_CHROMIUM): charts get no static image");
            foreach (var f in p.GetValue(files)!)
            {
                if (!File.Exists(f)) throw new FileNotFoundException($"{f}: no such notebook", f);
                var s = NotebookCharts.MakeOffline(f, p.GetValue(refresh));
                Console.WriteLine($"{s.Path}: {s.Charts} charts, {s.Images} with a static image, {s.BytesBefore / 1e6:F2} MB -> {s.BytesAfter / 1e6:F2} MB");
            }
            return 0;
        });
        var dir = new Option<string>("--dir") { Description = "the notebooks folder (its src/*.cs are the sources)", DefaultValueFactory = _ => DefaultNotebooksDir() };
        var check = new Option<bool>("--check") { Description = "write nothing; exit 1 when a notebook differs from its source" };
        var build = new Command("build",
            "Write notebooks/NAME.ipynb from notebooks/src/NAME.cs (the C# source with // %% cell markers). Outputs of cells " +
            "whose code did not change are kept.") { dir, check };
        build.SetAction(p =>
        {
            bool checking = p.GetValue(check);
            var results = NotebookSource.Build(p.GetValue(dir)!, checking);
            foreach (var r in results)
                Console.WriteLine($"{(r.Changed ? checking ? "stale  " : "wrote  " : "same   ")}{r.Notebook}: {r.Cells} cells ({r.CodeCells} C#), outputs kept in {r.KeptOutputs}");
            if (checking && results.Any(r => r.Changed))
            {
                Console.Error.WriteLine("headrecon: notebooks differ from their sources: run `headrecon notebooks build`");
                return 1;
            }
            return 0;
        });
        return new Command("notebooks", "Notebooks: build them from their C# sources; make saved charts work offline.") { build, offline };
    }

    // The repository's notebooks folder when run from inside the repository, else ./notebooks.
    static string DefaultNotebooksDir()
    {
        for (var d = new DirectoryInfo(Environment.CurrentDirectory); d is not null; d = d.Parent)
            if (Directory.Exists(Path.Combine(d.FullName, "notebooks", "src"))) return Path.Combine(d.FullName, "notebooks");
        return "notebooks";
    }
}
