using System.Diagnostics;
using Microsoft.DotNet.Interactive;
using Microsoft.DotNet.Interactive.Commands;
using Microsoft.DotNet.Interactive.CSharp;
using Microsoft.DotNet.Interactive.Documents;
using Microsoft.DotNet.Interactive.Documents.Jupyter;
using Microsoft.DotNet.Interactive.Events;

namespace HeadRecon.Tests.Notebooks;

/// <summary>The outcome of one executed cell.</summary>
public sealed record CellRun(int Index, string FirstLine, TimeSpan Elapsed, string? Error, IReadOnlyList<string> MimeTypes);

/// <summary>
/// Executes a .ipynb in process with the C# kernel of Microsoft.DotNet.Interactive, cell by cell, as Jupyter or
/// Polyglot would: the working directory is the notebook's folder (so #load "setup.csx" and the relative #r paths
/// resolve), markdown cells are skipped, and the first failing cell stops the run.
/// </summary>
public static class NotebookRunner
{
    public static async Task<IReadOnlyList<CellRun>> RunAsync(string notebookPath, TimeSpan cellTimeout)
    {
        var kernels = new KernelInfoCollection { new("csharp", "C#", aliases: ["c#", "C#"]) };
        kernels.DefaultKernelName = "csharp";
        var document = Notebook.Parse(await File.ReadAllTextAsync(notebookPath), kernels);

        string previous = Directory.GetCurrentDirectory();
        Directory.SetCurrentDirectory(Path.GetDirectoryName(Path.GetFullPath(notebookPath))!);
        var runs = new List<CellRun>();
        try
        {
            using var csharp = new CSharpKernel().UseKernelHelpers().UseValueSharing();
            using var kernel = new CompositeKernel { csharp };
            kernel.DefaultKernelName = csharp.Name;
            int index = 0;
            foreach (var cell in document.Elements)
            {
                int i = index++;
                if (cell.KernelName is "markdown" or "md") continue;
                string first = cell.Contents.Split('\n').Select(l => l.Trim()).FirstOrDefault(l => l.Length > 0) ?? "";
                var clock = Stopwatch.StartNew();
                var execution = kernel.SendAsync(new SubmitCode(cell.Contents, csharp.Name));
                if (await Task.WhenAny(execution, Task.Delay(cellTimeout)) != execution)
                {
                    runs.Add(new CellRun(i, first, clock.Elapsed, $"timed out after {cellTimeout.TotalSeconds:F0} s", []));
                    break;
                }
                var result = await execution;
                var mimeTypes = result.Events.OfType<DisplayEvent>().SelectMany(e => e.FormattedValues.Select(v => v.MimeType)).ToList();
                var errors = result.Events.OfType<CommandFailed>().Select(f => f.Message)
                    .Concat(result.Events.OfType<ErrorProduced>().Select(e => e.Message)).ToList();
                var diagnostics = result.Events.OfType<DiagnosticsProduced>().SelectMany(d => d.Diagnostics)
                    .Where(d => d.Severity == Microsoft.CodeAnalysis.DiagnosticSeverity.Error).Select(d => d.ToString()).ToList();
                string? error = errors.Count == 0 ? null : string.Join("\n", errors.Concat(diagnostics));
                runs.Add(new CellRun(i, first, clock.Elapsed, error, mimeTypes));
                if (error is not null) break;
            }
        }
        finally
        {
            Directory.SetCurrentDirectory(previous);
        }
        return runs;
    }
}
