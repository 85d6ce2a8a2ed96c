using System.CommandLine;
using HeadRecon.Notebooks;

namespace HeadRecon.Cli.Commands;

/// <summary>`headrecon notebooks offline NB.ipynb…`: saved chart outputs that need no network.</summary>
public static class NotebooksCommand
{
    public static Command Create()
    {
        var files = new Argument<string[]>("NOTEBOOK") { Description = "notebooks (.ipynb) to rewrite in place", Arity = ArgumentArity.OneOrMore };
        var refresh = new Option<bool>("--refresh-images") { Description = "redraw static images that charts already carry" };
        var offline = new Command("offline",
            "Rewrite the charts saved in notebooks so they need no network: plotly.js beside the notebook instead of a CDN, " +
            "long arrays as typed arrays, and a static image per chart (drawn by headless Chromium when installed).") { files, refresh };
        offline.SetAction(p =>
        {
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
        return new Command("notebooks", "Notebook outputs: make saved charts work offline.") { offline };
    }
}
