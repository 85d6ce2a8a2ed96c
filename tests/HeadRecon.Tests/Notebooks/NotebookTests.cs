using System.Diagnostics;
using Xunit;
using Xunit.Abstractions;

namespace HeadRecon.Tests.Notebooks;

/// <summary>The notebook runs change the process's working directory: nothing else may run beside them.</summary>
[CollectionDefinition("Notebooks", DisableParallelization = true)]
public sealed class NotebookCollection;

/// <summary>
/// Executes every notebook of notebooks/ with the smoke profile (HEADNB_PROFILE=smoke) in process and fails on any
/// cell error, naming the notebook and the cell. Needs the Release build of lib/HeadRecon.Notebooks (the notebooks #r its output).
/// </summary>
[Collection("Notebooks")]
public sealed class NotebookTests(ITestOutputHelper output)
{
    public static string RepoRoot()
    {
        for (var d = new DirectoryInfo(AppContext.BaseDirectory); d is not null; d = d.Parent)
            if (File.Exists(Path.Combine(d.FullName, "HeadNotebooks.sln"))) return d.FullName;
        throw new DirectoryNotFoundException("HeadNotebooks.sln not found above " + AppContext.BaseDirectory);
    }

    public static TheoryData<string> Notebooks()
    {
        var data = new TheoryData<string>();
        foreach (var f in Directory.EnumerateFiles(Path.Combine(RepoRoot(), "notebooks"), "*.ipynb").Order(StringComparer.Ordinal))
            data.Add(Path.GetFileName(f));
        return data;
    }

    [Fact]
    public void EveryNotebookIsListed() => Assert.True(Directory.EnumerateFiles(Path.Combine(RepoRoot(), "notebooks"), "*.ipynb").Count() >= 2, "no notebooks found in notebooks/");

    [Theory]
    [MemberData(nameof(Notebooks))]
    public async Task RunsWithTheSmokeProfile(string notebook)
    {
        string root = RepoRoot();
        string library = Path.Combine(root, "lib", "HeadRecon.Notebooks", "bin", "Release", "net10.0", "linux-x64", "HeadRecon.Notebooks.dll");
        Assert.True(File.Exists(library), $"{library} is missing: build the solution in Release first (dotnet build HeadNotebooks.sln -c Release)");
        Environment.SetEnvironmentVariable("HEADNB_PROFILE", "smoke");

        var clock = Stopwatch.StartNew();
        var cells = await NotebookRunner.RunAsync(Path.Combine(root, "notebooks", notebook), TimeSpan.FromMinutes(5));
        foreach (var c in cells)
            output.WriteLine($"{notebook} cell {c.Index} ({c.Elapsed.TotalSeconds:F1} s) {c.FirstLine} → {string.Join(", ", c.MimeTypes.Distinct())}");
        output.WriteLine($"{notebook}: {clock.Elapsed.TotalSeconds:F1} s");
        var failed = cells.FirstOrDefault(c => c.Error is not null);
        if (failed is not null)
            Assert.Fail($"{notebook}: cell {failed.Index} ('{failed.FirstLine}') failed:\n{failed.Error}");
        Assert.NotEmpty(cells);
    }
}
