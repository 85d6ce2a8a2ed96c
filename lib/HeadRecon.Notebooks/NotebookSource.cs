using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using HeadRecon.IO;

namespace HeadRecon.Notebooks;

/// <summary>
/// A notebook's source of truth: a .NET file-based app (<c>notebooks/src/NAME.cs</c>) that compiles and runs as a plain
/// program, with cell markers in comments. <c>// %% [markdown]</c> opens a Markdown cell (its lines are comments, the
/// leading <c>// </c> removed); <c>// %%</c> opens a C# cell. Before the first marker come the app's directives
/// (<c>#:project</c>) and a header comment, which belong to no cell. <see cref="ToNotebook"/> writes the .ipynb Jupyter opens.
/// </summary>
/// <remarks>
/// The two forms share the code but not the kernel's conveniences: a cell shows a value with
/// <see cref="NotebookOutput.Show"/> (a trailing expression is not C#), and the notebook form gets
/// <c>#load "setup.csx"</c> in front of its first C# cell (the kernel's references and formatters), which the program
/// form gets from its <c>#:project</c> directive.
/// </remarks>
public static class NotebookSource
{
    public const string MarkdownMarker = "// %% [markdown]";
    public const string CodeMarker = "// %%";
    public const string KernelSetup = "#load \"setup.csx\"";

    public enum CellKind { Markdown, Code }

    /// <summary>One cell: its text and the 1-based lines of the source file it spans (marker excluded).</summary>
    public sealed record Cell(CellKind Kind, string Text, int FirstLine, int LastLine);

    /// <summary>The cells of a source file; <paramref name="path"/> names it in errors.</summary>
    public static IReadOnlyList<Cell> Parse(string text, string path)
    {
        var cells = new List<Cell>();
        var lines = text.Replace("\r\n", "\n", StringComparison.Ordinal).Split('\n');
        CellKind? kind = null;
        var body = new List<string>();
        int first = 0;
        void Close(int last)
        {
            if (kind is null) return;
            // Blank lines between cells separate them in the source; they are not part of either cell.
            while (body.Count > 0 && body[^1].Trim().Length == 0) { body.RemoveAt(body.Count - 1); last--; }
            while (body.Count > 0 && body[0].Trim().Length == 0) { body.RemoveAt(0); first++; }
            if (body.Count == 0) throw new InvalidDataException($"{path}:{first}: empty {kind.Value.ToString().ToLowerInvariant()} cell");
            cells.Add(new Cell(kind.Value, string.Join('\n', body), first, last));
            body.Clear();
        }
        for (int i = 0; i < lines.Length; i++)
        {
            string line = lines[i], trimmed = line.Trim();
            if (trimmed == MarkdownMarker || trimmed == CodeMarker)
            {
                Close(i);
                kind = trimmed == MarkdownMarker ? CellKind.Markdown : CellKind.Code;
                first = i + 2;
                continue;
            }
            if (kind is null)
            {
                // The app's directives and a header comment belong to no cell.
                if (trimmed.Length == 0 || trimmed.StartsWith("#:", StringComparison.Ordinal) || trimmed.StartsWith("//", StringComparison.Ordinal)) continue;
                throw new InvalidDataException($"{path}:{i + 1}: code before the first cell marker ({CodeMarker} or {MarkdownMarker})");
            }
            if (kind == CellKind.Markdown)
            {
                if (trimmed.Length > 0 && !trimmed.StartsWith("//", StringComparison.Ordinal))
                    throw new InvalidDataException($"{path}:{i + 1}: a Markdown cell holds only // comment lines (start a C# cell with {CodeMarker})");
                string c = line.TrimStart();
                line = c.StartsWith("// ", StringComparison.Ordinal) ? c[3..] : c.Length >= 2 ? c[2..] : "";
            }
            body.Add(line);
        }
        Close(lines.Length);
        if (!cells.Any(c => c.Kind == CellKind.Code)) throw new InvalidDataException($"{path}: no C# cell");
        return cells;
    }

    /// <summary>
    /// The .ipynb of <paramref name="cells"/>. Outputs of an <paramref name="existing"/> notebook are kept for every C#
    /// cell whose code is unchanged, so editing one cell does not wipe the others' results (the ones of edited cells
    /// are dropped: they no longer belong to the code).
    /// </summary>
    public static JsonObject ToNotebook(IReadOnlyList<Cell> cells, JsonObject? existing)
    {
        var previous = new Dictionary<string, Queue<JsonObject>>(StringComparer.Ordinal);
        foreach (var old in existing?["cells"]?.AsArray() ?? [])
            if (old is JsonObject o && o["cell_type"]?.GetValue<string>() == "code")
            {
                string src = NotebookCharts.Text(o["source"] ?? "");
                if (!previous.TryGetValue(src, out var q)) previous[src] = q = new Queue<JsonObject>();
                q.Enqueue(o);
            }

        var ids = new HashSet<string>(StringComparer.Ordinal);
        var outCells = new JsonArray();
        bool setupDone = false;
        foreach (var cell in cells)
        {
            string text = cell.Text;
            if (cell.Kind == CellKind.Code && !setupDone)
            {
                text = KernelSetup + "\n" + text;
                setupDone = true;
            }
            var o = new JsonObject { ["cell_type"] = cell.Kind == CellKind.Code ? "code" : "markdown" };
            if (cell.Kind == CellKind.Code)
            {
                JsonObject? match = previous.TryGetValue(text, out var q) && q.Count > 0 ? q.Dequeue() : null;
                o["execution_count"] = match?["execution_count"]?.DeepClone();
                o["id"] = CellId(text, ids);
                // A kept cell keeps its metadata too (Jupyter's execution times); the kernel fields are always set.
                var metadata = match?["metadata"]?.DeepClone() as JsonObject ?? new JsonObject();
                metadata["dotnet_interactive"] = new JsonObject { ["language"] = "csharp" };
                metadata["polyglot_notebook"] = new JsonObject { ["kernelName"] = "csharp" };
                o["metadata"] = new JsonObject(metadata.OrderBy(kv => kv.Key, StringComparer.Ordinal).Select(kv => KeyValuePair.Create(kv.Key, kv.Value?.DeepClone())));
                o["outputs"] = match?["outputs"]?.DeepClone() ?? new JsonArray();
            }
            else
            {
                o["id"] = CellId(text, ids);
                o["metadata"] = new JsonObject();
            }
            o["source"] = NotebookCharts.Lines(text);
            outCells.Add(o);
        }
        return new JsonObject
        {
            ["cells"] = outCells,
            ["metadata"] = new JsonObject
            {
                ["kernelspec"] = new JsonObject { ["display_name"] = ".NET (C#)", ["language"] = "C#", ["name"] = ".net-csharp" },
                ["language_info"] = new JsonObject
                {
                    ["file_extension"] = ".cs", ["mimetype"] = "text/x-csharp", ["name"] = "C#", ["pygments_lexer"] = "csharp", ["version"] = "13.0",
                },
                ["polyglot_notebook"] = new JsonObject
                {
                    ["kernelInfo"] = new JsonObject
                    {
                        ["defaultKernelName"] = "csharp",
                        ["items"] = new JsonArray(new JsonObject { ["aliases"] = new JsonArray(), ["name"] = "csharp" }),
                    },
                },
            },
            ["nbformat"] = 4,
            ["nbformat_minor"] = 5,
        };
    }

    /// <summary>What <see cref="Build"/> did to one notebook.</summary>
    public sealed record Result(string Source, string Notebook, bool Changed, int Cells, int CodeCells, int KeptOutputs);

    /// <summary>
    /// Writes <c>notebooksDir/NAME.ipynb</c> for every <c>notebooksDir/src/NAME.cs</c> (atomically, only when it
    /// changes); with <paramref name="check"/> nothing is written and the results say which notebooks are stale.
    /// </summary>
    public static IReadOnlyList<Result> Build(string notebooksDir, bool check = false)
    {
        string src = Path.Combine(notebooksDir, "src");
        if (!Directory.Exists(src)) throw new DirectoryNotFoundException($"{src}: no notebook sources (notebooks/src/*.cs)");
        var results = new List<Result>();
        foreach (string file in Directory.GetFiles(src, "*.cs").Order(StringComparer.Ordinal))
        {
            var cells = Parse(File.ReadAllText(file), file);
            string ipynb = Path.Combine(notebooksDir, Path.GetFileNameWithoutExtension(file) + ".ipynb");
            JsonObject? existing = null;
            string? before = File.Exists(ipynb) ? File.ReadAllText(ipynb) : null;
            if (before is not null)
            {
                try { existing = JsonNode.Parse(before)?.AsObject(); }
                catch (System.Text.Json.JsonException e) { throw new InvalidDataException($"{ipynb}: not a notebook (JSON: {e.Message})", e); }
            }
            var nb = ToNotebook(cells, existing);
            string after = nb.ToJsonString(NotebookCharts.NotebookJson) + "\n";
            bool changed = after != before;
            if (changed && !check) AtomicFile.WriteAllText(ipynb, after);
            int code = cells.Count(c => c.Kind == CellKind.Code);
            int kept = nb["cells"]!.AsArray().Count(c => c?["outputs"] is JsonArray { Count: > 0 });
            results.Add(new Result(file, ipynb, changed, cells.Count, code, kept));
        }
        if (results.Count == 0) throw new InvalidDataException($"{src}: no notebook sources (*.cs)");
        return results;
    }

    // Derived from the content (stable across rebuilds, unlike a counter or a random id), made unique within the notebook.
    static string CellId(string text, HashSet<string> taken)
    {
        string id = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)))[..12];
        for (int k = 2; !taken.Add(id); k++) id = id[..12] + "-" + k.ToString(System.Globalization.CultureInfo.InvariantCulture);
        return id;
    }
}
