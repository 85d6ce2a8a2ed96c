using HeadRecon.IO;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Formats.Png;
using SixLabors.ImageSharp.PixelFormats;

namespace HeadRecon.Visualization;

/// <summary>Float images (H×W×C row-major) to PNG, colour maps, and side-by-side strips.</summary>
public static class Images
{
    public static Image<Rgb24> FromRgb(float[] rgb, int height, int width)
    {
        var img = new Image<Rgb24>(width, height);
        img.ProcessPixelRows(rows =>
        {
            for (int y = 0; y < height; y++)
            {
                var row = rows.GetRowSpan(y);
                for (int x = 0; x < width; x++)
                {
                    int i = (y * width + x) * 3;
                    row[x] = new Rgb24(ToByte(rgb[i]), ToByte(rgb[i + 1]), ToByte(rgb[i + 2]));
                }
            }
        });
        return img;
    }

    /// <summary>Normal map n ∈ [−1, 1]³ shown as (n + 1)/2, background (n = 0) white.</summary>
    public static Image<Rgb24> FromNormals(float[] normals, int height, int width)
    {
        var rgb = new float[normals.Length];
        for (int i = 0; i < normals.Length; i += 3)
        {
            bool empty = normals[i] == 0 && normals[i + 1] == 0 && normals[i + 2] == 0;
            for (int c = 0; c < 3; c++) rgb[i + c] = empty ? 1f : (normals[i + c] + 1f) / 2f;
        }
        return FromRgb(rgb, height, width);
    }

    /// <summary>A diverging blue–white–red map of a signed scalar field with the zero level drawn black.</summary>
    public static Image<Rgb24> FromSignedField(float[] values, int height, int width, float range)
    {
        var rgb = new float[values.Length * 3];
        for (int y = 0; y < height; y++)
            for (int x = 0; x < width; x++)
            {
                int i = y * width + x;
                float v = Math.Clamp(values[i] / range, -1f, 1f);
                var (r, g, b) = v < 0 ? (1 + v, 1 + v, 1f) : (1f, 1 - v, 1 - v);
                // Zero contour: a sign change to the right or below.
                bool contour = (x + 1 < width && Math.Sign(values[i]) != Math.Sign(values[i + 1]))
                            || (y + 1 < height && Math.Sign(values[i]) != Math.Sign(values[i + width]));
                if (contour) (r, g, b) = (0f, 0f, 0f);
                rgb[i * 3] = r; rgb[i * 3 + 1] = g; rgb[i * 3 + 2] = b;
            }
        return FromRgb(rgb, height, width);
    }

    /// <summary>Places images side by side (scaled to the tallest height with nearest neighbour).</summary>
    public static Image<Rgb24> Strip(params Image<Rgb24>[] images)
    {
        int h = images.Max(i => i.Height);
        var scaled = images.Select(i => i.Height == h ? i : Resize(i, h)).ToArray();
        int w = scaled.Sum(i => i.Width);
        var strip = new Image<Rgb24>(w, h, new Rgb24(255, 255, 255));
        int x0 = 0;
        foreach (var img in scaled)
        {
            for (int y = 0; y < img.Height; y++)
                for (int x = 0; x < img.Width; x++)
                    strip[x0 + x, y] = img[x, y];
            x0 += img.Width;
        }
        return strip;
    }

    static Image<Rgb24> Resize(Image<Rgb24> src, int height)
    {
        int width = Math.Max(1, (int)Math.Round(src.Width * (double)height / src.Height));
        var dst = new Image<Rgb24>(width, height);
        for (int y = 0; y < height; y++)
            for (int x = 0; x < width; x++)
                dst[x, y] = src[Math.Min(src.Width - 1, x * src.Width / width), Math.Min(src.Height - 1, y * src.Height / height)];
        return dst;
    }

    /// <summary>Writes a PNG atomically (temp file + rename) with fixed encoder settings (same bytes for the same pixels).</summary>
    public static void SavePng(Image<Rgb24> image, string path)
    {
        AtomicFile.Write(path, fs => image.Save(fs, new PngEncoder { CompressionLevel = PngCompressionLevel.DefaultCompression }));
    }

    public static byte[] ToPngBytes(Image<Rgb24> image)
    {
        using var ms = new MemoryStream();
        image.Save(ms, new PngEncoder());
        return ms.ToArray();
    }

    static byte ToByte(float v) => (byte)Math.Clamp((int)MathF.Round(v * 255f), 0, 255);
}
