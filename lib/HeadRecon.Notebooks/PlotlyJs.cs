using HeadRecon.IO;
using Plotly.NET;

namespace HeadRecon.Notebooks;

/// <summary>
/// The plotly.js that Plotly.NET targets, taken from Plotly.NET's own assembly (it embeds it), written once into a
/// folder that every chart in that folder references by a relative path — plotly's <c>include_plotlyjs="directory"</c>
/// model. Charts never load it from a CDN and never carry a copy each.
/// </summary>
public static class PlotlyJs
{
    public const string Version = "2.28.0";

    /// <summary>The file every chart references, relative to the page (notebook or HTML report) showing it.</summary>
    public const string FileName = $"plotly-{Version}.min.js";

    const string Resource = $"Plotly.NET.plotly-{Version}.min.js";

    /// <summary>plotly.js itself (MIT licence, in <see cref="LicenseText"/>).</summary>
    public static byte[] Bytes() => ReadResource(Resource);

    public static string LicenseText() => System.Text.Encoding.UTF8.GetString(ReadResource(Resource + ".LICENSE.txt"));

    /// <summary>Writes plotly.js (and its licence) into <paramref name="dir"/> unless an identical copy is there; returns its path.</summary>
    public static string WriteInto(string dir)
    {
        string path = Path.Combine(dir, FileName);
        var bytes = Bytes();
        if (!File.Exists(path) || new FileInfo(path).Length != bytes.Length || !File.ReadAllBytes(path).AsSpan().SequenceEqual(bytes))
        {
            AtomicFile.WriteAllBytes(path, bytes);
            AtomicFile.WriteAllText(path + ".LICENSE.txt", LicenseText());
        }
        return path;
    }

    static byte[] ReadResource(string name)
    {
        using var s = typeof(GenericChart).Assembly.GetManifestResourceStream(name)
            ?? throw new InvalidOperationException($"Plotly.NET does not embed {name}: PlotlyJs.Version no longer matches the Plotly.NET package.");
        using var m = new MemoryStream();
        s.CopyTo(m);
        return m.ToArray();
    }
}
