// Shared set-up for the HeadRecon notebooks: #load "setup.csx" from a notebook in this folder.
// Build first: dotnet build HeadNotebooks.sln -c Release (the notebooks reference the Release output of
// lib/HeadRecon.Notebooks, which holds the core library HeadRecon.dll, Plotly.NET, ImageSharp and TorchSharp too).
#r "../lib/HeadRecon.Notebooks/bin/Release/net10.0/linux-x64/HeadRecon.dll"
#r "../lib/HeadRecon.Notebooks/bin/Release/net10.0/linux-x64/HeadRecon.Notebooks.dll"
#r "../lib/HeadRecon.Notebooks/bin/Release/net10.0/linux-x64/Plotly.NET.dll"
#r "../lib/HeadRecon.Notebooks/bin/Release/net10.0/linux-x64/SixLabors.ImageSharp.dll"
#r "../lib/HeadRecon.Notebooks/bin/Release/net10.0/linux-x64/TorchSharp.dll"

using System.IO;
using System.Linq;
using System.Runtime.Loader;
using Microsoft.DotNet.Interactive.Formatting;
using HeadRecon.Config;
using HeadRecon.Data;
using HeadRecon.Evaluation;
using HeadRecon.Meshing;
using HeadRecon.Notebooks;
using HeadRecon.Training;
using HeadRecon.Visualization;
using Plotly.NET;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;
using static TorchSharp.torch;

// The dotnet-interactive tool ships an older FSharp.Core (10.0) than Plotly.NET 6 / DynamicObj 8 need (10.1) and its
// own Giraffe.ViewEngine, both already in the default load context. Plotly.NET and its F# dependencies are therefore
// loaded from the notebooks library's build output into a context of their own, handed out when the default context asks.
string HeadReconLibDir = Path.GetFullPath("../lib/HeadRecon.Notebooks/bin/Release/net10.0/linux-x64");
sealed class PlotlyLoadContext(string dir) : AssemblyLoadContext("HeadRecon.Plotly")
{
    public static readonly string[] Names = ["FSharp.Core", "Plotly.NET", "DynamicObj", "Giraffe.ViewEngine", "Newtonsoft.Json", "Fable.Core"];
    public bool Owns(System.Reflection.AssemblyName n) => Names.Contains(n.Name) && File.Exists(Path.Combine(dir, n.Name + ".dll"));
    protected override System.Reflection.Assembly Load(System.Reflection.AssemblyName n) => Owns(n) ? LoadFromAssemblyPath(Path.Combine(dir, n.Name + ".dll")) : null;
}
var plotlyContext = new PlotlyLoadContext(HeadReconLibDir);
AssemblyLoadContext.Default.Resolving += (ctx, name) => plotlyContext.Owns(name) ? plotlyContext.LoadFromAssemblyName(name) : null;

// FTZ/DAZ and the thread count before the first torch op (see environment.md).
HeadRecon.Runtime.TorchRuntime.Initialize();

// Charts load plotly.js from this folder (never from a CDN), so they draw offline too.
PlotlyJs.WriteInto(".");

// Inline formatters: charts as interactive Plotly (plus a static image where a headless Chromium is installed), images as
// PNG, meshes and tensors as short summaries; the same HTML a notebook program puts on its page (NotebookOutput.ToHtml).
// In a function so that the Plotly types are bound when it runs (after the load-context hook above), not when this
// script is compiled to run.
void RegisterHeadReconFormatters()
{
    Formatter.Register<GenericChart>((chart, writer) => writer.Write(NotebookOutput.ToHtml(chart)), "text/html");
    Formatter.Register<FramedChart>((chart, writer) => writer.Write(NotebookOutput.ToHtml(chart)), "text/html");
    Formatter.Register<Image<Rgb24>>((img, writer) => writer.Write(NotebookOutput.ToHtml(img)), "text/html");
    Formatter.Register<HtmlFragment>((h, writer) => writer.Write(h.Html), "text/html");
    Formatter.Register<HeadRecon.Meshing.Mesh>((m, writer) => writer.Write(NotebookOutput.ToHtml(m)), "text/html");
    Formatter.Register<Tensor>((t, writer) => writer.Write(NotebookOutput.ToHtml(t)), "text/html");
}
RegisterHeadReconFormatters();

// Cells show values with Show(value) (HeadRecon.Notebooks.NotebookOutput, the same call the notebook programs make):
// in the kernel it is display(value), whose Update redraws it in place.
NotebookOutput.KernelDisplay = value =>
{
    var shown = Microsoft.DotNet.Interactive.Kernel.display(value);
    return update => shown.Update(update);
};
