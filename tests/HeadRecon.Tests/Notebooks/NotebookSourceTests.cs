using System.Text.Json.Nodes;
using HeadRecon.Notebooks;
using Xunit;

namespace HeadRecon.Tests.Notebooks;

/// <summary>The notebooks' C# sources (notebooks/src/*.cs): cells, the .ipynb built from them, and the page a notebook program writes.</summary>
public sealed class NotebookSourceTests
{
    const string Sample = """
        #:project ../../lib/HeadRecon.Notebooks/HeadRecon.Notebooks.csproj
        // A header comment, in no cell.

        // %% [markdown]
        // # Title
        // Some *text*, $a_i + b_i$.
        //
        // $$s(\mathbf{x}) = s_1 + \delta$$

        // %%
        using static HeadRecon.Notebooks.NotebookOutput;
        var x = 1;
        Show(x);

        // %%
        // a comment inside code stays code
        Show("two");
        """;

    [Fact]
    public void CellsAreSplitAtTheMarkersWithTheirSourceLines()
    {
        var cells = NotebookSource.Parse(Sample, "s.cs");
        Assert.Equal([NotebookSource.CellKind.Markdown, NotebookSource.CellKind.Code, NotebookSource.CellKind.Code], cells.Select(c => c.Kind));
        Assert.Equal("# Title\nSome *text*, $a_i + b_i$.\n\n$$s(\\mathbf{x}) = s_1 + \\delta$$", cells[0].Text);
        Assert.Equal("using static HeadRecon.Notebooks.NotebookOutput;\nvar x = 1;\nShow(x);", cells[1].Text);
        Assert.Equal((11, 13), (cells[1].FirstLine, cells[1].LastLine));
        Assert.Equal("// a comment inside code stays code\nShow(\"two\");", cells[2].Text);
        Assert.Equal((16, 17), (cells[2].FirstLine, cells[2].LastLine));
    }

    [Theory]
    [InlineData("var x = 1;\n// %%\nShow(x);", "bad.cs:1: code before the first cell marker")]
    [InlineData("// %% [markdown]\n// # T\nvar x = 1;", "bad.cs:3: a Markdown cell holds only // comment lines")]
    [InlineData("// %%\nShow(1);\n// %%\n\n// %%\nShow(2);", "bad.cs:4: empty code cell")]
    [InlineData("// %% [markdown]\n// only prose", "bad.cs: no C# cell")]
    public void BadSourcesNameTheFileAndLine(string text, string message)
    {
        var e = Assert.Throws<InvalidDataException>(() => NotebookSource.Parse(text, "bad.cs"));
        Assert.StartsWith(message, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void TheNotebookKeepsOutputsOfUnchangedCellsOnly()
    {
        var cells = NotebookSource.Parse(Sample, "s.cs");
        var first = NotebookSource.ToNotebook(cells, existing: null);
        string firstJson = first.ToJsonString();
        var code = first["cells"]!.AsArray().Where(c => c!["cell_type"]!.GetValue<string>() == "code").ToList();
        // The kernel's set-up comes first in the notebook form only.
        Assert.StartsWith(NotebookSource.KernelSetup + "\n", NotebookCharts.Text(code[0]!["source"]!), StringComparison.Ordinal);
        Assert.All(code, c => Assert.Empty(c!["outputs"]!.AsArray()));

        // As if Jupyter had run it: both cells have an output.
        foreach (var c in code) c!["outputs"] = new JsonArray(new JsonObject { ["output_type"] = "stream", ["text"] = "ran " + c["id"] });
        var edited = NotebookSource.Parse(Sample.Replace("Show(\"two\")", "Show(\"three\")", StringComparison.Ordinal), "s.cs");
        var rebuilt = NotebookSource.ToNotebook(edited, first);
        var after = rebuilt["cells"]!.AsArray().Where(c => c!["cell_type"]!.GetValue<string>() == "code").ToList();
        Assert.Equal("ran " + code[0]!["id"], after[0]!["outputs"]![0]!["text"]!.GetValue<string>());
        Assert.Empty(after[1]!["outputs"]!.AsArray());
        // Ids come from the content: the same source gives the same notebook.
        Assert.Equal(firstJson, NotebookSource.ToNotebook(cells, null).ToJsonString());
    }

    [Fact]
    public void CommittedNotebooksAreBuiltFromTheirSources()
    {
        string notebooks = Path.Combine(NotebookTests.RepoRoot(), "notebooks");
        var results = NotebookSource.Build(notebooks, check: true);
        Assert.True(results.All(r => !r.Changed), "stale (run `headrecon notebooks build`): " + string.Join(", ", results.Where(r => r.Changed).Select(r => r.Notebook)));
        var sources = results.Select(r => Path.GetFileName(r.Notebook)).Order(StringComparer.Ordinal);
        var committed = Directory.GetFiles(notebooks, "*.ipynb").Select(Path.GetFileName).Order(StringComparer.Ordinal);
        Assert.Equal(committed, sources);
        Assert.Empty(Directory.GetFiles(notebooks, "*.py", SearchOption.AllDirectories));
    }

    [Fact]
    public void APageHoldsEveryCellWithTheValuesItShowed()
    {
        using var dir = new TempDir();
        File.WriteAllText(dir["nb.cs"], Sample);
        var log = new StringWriter();
        var page = new NotebookPage(dir["nb.cs"], dir["pages/nb.html"], log);
        page.Add(42, line: 13);
        var live = page.Add(new HtmlFragment("<b>waiting</b>"), line: 17);
        live.Update(new HtmlFragment("<b>done</b>"));
        page.Write();

        string html = File.ReadAllText(dir["pages/nb.html"]);
        Assert.Contains("<h1", html, StringComparison.Ordinal);
        Assert.Contains("<em>text</em>", html, StringComparison.Ordinal);
        Assert.Contains("a_i + b_i", html, StringComparison.Ordinal); // math is not Markdown emphasis
        int cell2 = html.IndexOf("cell 2: C#", StringComparison.Ordinal), cell3 = html.IndexOf("cell 3: C#", StringComparison.Ordinal);
        int value = html.IndexOf("<pre style=\"white-space:pre-wrap\">42</pre>", StringComparison.Ordinal);
        Assert.True(cell2 >= 0 && cell2 < value && value < cell3, "42 is shown under cell 2");
        Assert.True(html.IndexOf("<b>done</b>", StringComparison.Ordinal) > cell3, "the update replaced the value under cell 3");
        Assert.DoesNotContain("waiting", html, StringComparison.Ordinal);
        Assert.True(File.Exists(dir["pages/" + PlotlyJs.FileName]), "plotly.js beside the page");
        Assert.Contains("[cell 2] 42", log.ToString(), StringComparison.Ordinal);
        Assert.Equal(2, page.CellOf(0)); // a value from no cell's line goes to the last C# cell
    }
}
