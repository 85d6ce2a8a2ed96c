namespace HeadRecon.Tests;

/// <summary>Paths to committed fixtures and throw-away temp folders.</summary>
internal static class Fixtures
{
    public static string Path(params string[] parts) =>
        System.IO.Path.Combine([AppContext.BaseDirectory, "TestData", "data", .. parts]);

    /// <summary>Copies a fixture folder into a fresh temp folder so a test can break it.</summary>
    public static TempDir CopyOf(string fixture)
    {
        var t = new TempDir();
        CopyDirectory(Path(fixture), t.Path);
        return t;
    }

    public static void CopyDirectory(string src, string dst)
    {
        Directory.CreateDirectory(dst);
        foreach (var f in Directory.GetFiles(src)) File.Copy(f, System.IO.Path.Combine(dst, System.IO.Path.GetFileName(f)));
        foreach (var d in Directory.GetDirectories(src)) CopyDirectory(d, System.IO.Path.Combine(dst, System.IO.Path.GetFileName(d)));
    }
}

public sealed class TempDir : IDisposable
{
    public TempDir()
    {
        Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "headrecon-data-tests", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Path);
    }

    public string Path { get; }

    public string this[string relative] => System.IO.Path.Combine(Path, relative);

    public void Dispose()
    {
        try { Directory.Delete(Path, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }
}
