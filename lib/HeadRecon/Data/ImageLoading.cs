using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Formats;
using SixLabors.ImageSharp.Formats.Jpeg;
using SixLabors.ImageSharp.Formats.Png;
using SixLabors.ImageSharp.PixelFormats;

namespace HeadRecon.Data;

/// <summary>Image decoding shared by the loaders; every failure becomes a DatasetException naming the file.</summary>
internal static class ImageLoading
{
    /// <summary>Decodes any supported image to 8-bit RGBA (row-major H*W*4). With <paramref name="notes"/>, what had to be
    /// assumed for a grayscale or 16-bit image is recorded there (the caller reports it once for all images).</summary>
    public static (byte[] Rgba, int Width, int Height) ReadRgba(string path, ImageFormatNotes? notes = null)
    {
        if (!File.Exists(path)) throw new DatasetException($"{path}: image file not found");
        try
        {
            using var img = Image.Load<Rgba32>(path, out var format);
            if (notes is not null) Note(img, format, path, notes);
            var data = new byte[img.Width * img.Height * 4];
            img.CopyPixelDataTo(data);
            return (data, img.Width, img.Height);
        }
        catch (UnknownImageFormatException ex)
        {
            throw new DatasetException($"{path}: not an image (no PNG, JPEG, BMP, GIF, TGA or TIFF signature)", ex);
        }
        catch (Exception ex) when (ex is ImageFormatException or NotSupportedException)
        {
            throw new DatasetException($"{path}: unreadable image ({ex.Message.ReplaceLineEndings(" ")})", ex);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new DatasetException($"{path}: cannot read the image ({IO.AtomicFile.Reason(ex)})", ex);
        }
    }

    static void Note(Image img, IImageFormat format, string path, ImageFormatNotes notes)
    {
        var png = img.Metadata.GetPngMetadata();
        bool isPng = format is PngFormat;
        if (isPng && png.ColorType == PngColorType.Grayscale)
            notes.Add("grayscale images without alpha: read as gray RGB (R = G = B), fully opaque (alpha 255, so the whole image is foreground)", path);
        else if (isPng && png.ColorType == PngColorType.GrayscaleWithAlpha)
            notes.Add("grayscale images with alpha: read as gray RGB (R = G = B) with their alpha", path);
        else if (format is JpegFormat && img.Metadata.GetJpegMetadata().ColorType == JpegColorType.Luminance)
            notes.Add("grayscale images: read as gray RGB (R = G = B), fully opaque", path);
        if (isPng && png.BitDepth == PngBitDepth.Bit16)
            notes.Add("16-bit images: reduced to 8 bits per channel (value × 255 / 65535, rounded), the precision training uses", path);
    }

    /// <summary>Width and height from the file header, without decoding the pixels.</summary>
    public static (int Width, int Height) Size(string path)
    {
        if (!File.Exists(path)) throw new DatasetException($"{path}: image file not found");
        try
        {
            var info = Image.Identify(path);
            return (info.Width, info.Height);
        }
        catch (Exception ex) when (ex is ImageFormatException or NotSupportedException or IOException)
        {
            throw new DatasetException($"{path}: unreadable image ({ex.Message})", ex);
        }
    }

    /// <summary>skimage.color.rgba2rgb with a white background: out = clip(a*rgb + (1-a), 0, 1), a and rgb /255.</summary>
    public static float[] CompositeOnWhite(byte[] rgba, int width, int height)
    {
        var rgb = new float[width * height * 3];
        for (int i = 0; i < width * height; i++)
        {
            float a = rgba[4 * i + 3] / 255f;
            for (int ch = 0; ch < 3; ch++)
                rgb[3 * i + ch] = Math.Clamp(a * (rgba[4 * i + ch] / 255f) + (1 - a), 0f, 1f);
        }
        return rgb;
    }

    /// <summary>Alpha &gt; 0.5 as a {0,1} mask (the PR loss ignores it; evaluation and bbox sampling use it).</summary>
    public static float[] AlphaMask(byte[] rgba, int width, int height)
    {
        var m = new float[width * height];
        for (int i = 0; i < m.Length; i++) m[i] = rgba[4 * i + 3] > 127 ? 1f : 0f;
        return m;
    }

    public static float[] Rgb(byte[] rgba, int width, int height)
    {
        var rgb = new float[width * height * 3];
        for (int i = 0; i < width * height; i++)
            for (int ch = 0; ch < 3; ch++)
                rgb[3 * i + ch] = rgba[4 * i + ch] / 255f;
        return rgb;
    }

    /// <summary>
    /// Area-averaging downscale (cv2.INTER_AREA for shrinking) of an interleaved 8-bit image, with separable
    /// fractional-coverage weights; the result is rounded back to 8 bits as OpenCV does for uint8 input.
    /// </summary>
    public static byte[] ResizeArea(byte[] src, int width, int height, int channels, int newWidth, int newHeight)
    {
        if (width % newWidth == 0 && height % newHeight == 0) return ResizeAreaInteger(src, width, height, channels, width / newWidth, height / newHeight);
        var wx = AreaWeights(width, newWidth);
        var wy = AreaWeights(height, newHeight);
        var tmp = new double[height * newWidth * channels];
        for (int r = 0; r < height; r++)
            for (int ox = 0; ox < newWidth; ox++)
                foreach (var (sx, w) in wx[ox])
                    for (int ch = 0; ch < channels; ch++)
                        tmp[(r * newWidth + ox) * channels + ch] += w * src[(r * width + sx) * channels + ch];
        var dst = new byte[newWidth * newHeight * channels];
        for (int oy = 0; oy < newHeight; oy++)
            for (int ox = 0; ox < newWidth; ox++)
                for (int ch = 0; ch < channels; ch++)
                {
                    double acc = 0;
                    foreach (var (sy, w) in wy[oy]) acc += w * tmp[(sy * newWidth + ox) * channels + ch];
                    dst[(oy * newWidth + ox) * channels + ch] = (byte)Math.Clamp(Math.Round(acc, MidpointRounding.ToEven), 0, 255);
                }
        return dst;
    }

    /// <summary>Fast path for whole-number factors (FaceScape's /4): plain block means.</summary>
    static byte[] ResizeAreaInteger(byte[] src, int width, int height, int channels, int fx, int fy)
    {
        int nw = width / fx, nh = height / fy;
        var dst = new byte[nw * nh * channels];
        double inv = 1.0 / (fx * fy);
        Parallel.For(0, nh, oy =>
        {
            var acc = new int[nw * channels];
            for (int sy = oy * fy; sy < (oy + 1) * fy; sy++)
            {
                int rowBase = sy * width * channels;
                for (int ox = 0; ox < nw; ox++)
                {
                    int s = rowBase + ox * fx * channels;
                    for (int dx = 0; dx < fx; dx++)
                        for (int ch = 0; ch < channels; ch++) acc[ox * channels + ch] += src[s + dx * channels + ch];
                }
            }
            for (int i = 0; i < acc.Length; i++) dst[oy * nw * channels + i] = (byte)Math.Clamp(Math.Round(acc[i] * inv, MidpointRounding.ToEven), 0, 255);
        });
        return dst;
    }

    static List<(int Src, double Weight)>[] AreaWeights(int n, int m)
    {
        double scale = (double)n / m;
        var result = new List<(int, double)>[m];
        for (int o = 0; o < m; o++)
        {
            double a = o * scale, b = (o + 1) * scale;
            var list = new List<(int, double)>();
            for (int s = (int)Math.Floor(a); s < Math.Min(n, (int)Math.Ceiling(b)); s++)
            {
                double overlap = Math.Min(b, s + 1) - Math.Max(a, s);
                if (overlap > 1e-12) list.Add((s, overlap / scale));
            }
            result[o] = list;
        }
        return result;
    }
}

/// <summary>Assumptions made while decoding a dataset's images, one line per kind with a count and an example file.</summary>
public sealed class ImageFormatNotes
{
    readonly List<(string Kind, int Count, string Example)> _kinds = [];

    public void Add(string kind, string path)
    {
        lock (_kinds)
        {
            int i = _kinds.FindIndex(k => k.Kind == kind);
            if (i < 0) _kinds.Add((kind, 1, path));
            else _kinds[i] = (kind, _kinds[i].Count + 1, _kinds[i].Example);
        }
    }

    public IReadOnlyList<string> Lines => _kinds.Select(k => $"{k.Count} {k.Kind} (e.g. {k.Example})").ToList();
}
