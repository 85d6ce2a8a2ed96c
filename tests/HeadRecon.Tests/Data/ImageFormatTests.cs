using HeadRecon.Config;
using HeadRecon.Data;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Formats.Png;
using SixLabors.ImageSharp.PixelFormats;
using Xunit;

namespace HeadRecon.Tests.Data;

/// <summary>Images that are not 8-bit RGBA load with one note on what was assumed; unusable files get one line.</summary>
public class ImageFormatTests
{
    static DatasetOptions Options(string dir) => new() { DataDir = dir, ImgRes = [512, 512], ScanId = "-1", CamScale = 0.15, IdList = "id.txt", InitViewPath = "", SparseViewNum = 0 };

    [Fact]
    public void GrayscaleAnd16BitPngsLoadWithOneNoteEach()
    {
        using var t = Fixtures.CopyOf("pr");
        string gray = t["371/15.png"], deep = t["371/01.png"];
        using (var img = Image.Load<Rgba32>(gray))
            img.CloneAs<L8>().SaveAsPng(gray, new PngEncoder { ColorType = PngColorType.Grayscale, BitDepth = PngBitDepth.Bit8 });
        using (var img = Image.Load<Rgba32>(deep))
            img.CloneAs<Rgba64>().SaveAsPng(deep, new PngEncoder { ColorType = PngColorType.RgbWithAlpha, BitDepth = PngBitDepth.Bit16 });

        var ds = PrDataset.Load(Options(t.Path));
        Assert.Equal(2, ds.Notes.Count);
        Assert.Contains(ds.Notes, n => n.StartsWith("1 grayscale images without alpha: read as gray RGB (R = G = B), fully opaque", StringComparison.Ordinal) && n.EndsWith($"(e.g. {gray})", StringComparison.Ordinal));
        Assert.Contains(ds.Notes, n => n.StartsWith("1 16-bit images: reduced to 8 bits per channel", StringComparison.Ordinal) && n.Contains(deep));
        // What the note says is what was done: gray in every channel, and an opaque mask.
        var v = ds.Views.Single(v => v.ViewName == "15.png");
        Assert.All(Enumerable.Range(0, v.Height * v.Width), i => Assert.True(v.Rgb[3 * i] == v.Rgb[3 * i + 1] && v.Rgb[3 * i] == v.Rgb[3 * i + 2]));
        Assert.All(v.Mask!, m => Assert.Equal(1f, m));
        Assert.Empty(PrDataset.Load(Options(Fixtures.Path("pr"))).Notes);
    }

    [Fact]
    public void AGarbagePngIsOneLineNamingIt()
    {
        using var t = Fixtures.CopyOf("pr");
        File.WriteAllBytes(t["371/15.png"], [.. "\x89PNG but not really"u8]);
        var ex = Assert.Throws<DatasetException>(() => PrDataset.Load(Options(t.Path)));
        Assert.StartsWith(t["371/15.png"] + ": ", ex.Message);
        Assert.DoesNotContain("\n", ex.Message);
    }

    [Fact]
    public void AnXmlWithoutTransformsSaysSo()
    {
        using var t = Fixtures.CopyOf("pr");
        string xml = t["371/cameraParameters.xml"];
        File.WriteAllText(xml, System.Text.RegularExpressions.Regex.Replace(File.ReadAllText(xml), "<transform>[^<]*</transform>", ""));
        var ex = Assert.Throws<DatasetException>(() => PrDataset.Load(Options(t.Path)));
        Assert.StartsWith($"{xml}: none of its ", ex.Message);
        Assert.Contains("cameras has a <transform> (the photos were not aligned in Agisoft)", ex.Message);
    }
}
