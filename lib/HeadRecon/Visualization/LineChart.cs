using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;

namespace HeadRecon.Visualization;

/// <summary>
/// A minimal raster line chart (series over a shared x axis, optional log y) for PNG reports. Hand-written because
/// ImageSharp.Drawing is not available in our package mirror; notebooks use Plotly.NET instead.
/// </summary>
public static class LineChart
{
    static readonly Rgb24[] Palette = [new(31, 119, 180), new(255, 127, 14), new(44, 160, 44), new(214, 39, 40), new(148, 103, 189), new(140, 86, 75)];

    public static Image<Rgb24> Draw(IReadOnlyList<(string Name, IReadOnlyList<(int X, double Y)> Points)> series, int width = 480, int height = 240, bool logY = false)
    {
        var img = new Image<Rgb24>(width, height, new Rgb24(255, 255, 255));
        var pts = series.SelectMany(s => s.Points).Where(p => double.IsFinite(p.Y) && (!logY || p.Y > 0)).ToList();
        if (pts.Count == 0) return img;
        double Tx(double y) => logY ? Math.Log10(y) : y;
        double x0 = pts.Min(p => p.X), x1 = Math.Max(pts.Max(p => p.X), x0 + 1);
        double y0 = pts.Min(p => Tx(p.Y)), y1 = pts.Max(p => Tx(p.Y));
        if (y1 - y0 < 1e-12) { y0 -= 0.5; y1 += 0.5; }
        const int M = 12;
        // Axes.
        for (int x = M; x < width - M; x++) img[x, height - M] = new Rgb24(0, 0, 0);
        for (int y = M; y <= height - M; y++) img[M, y] = new Rgb24(0, 0, 0);
        for (int s = 0; s < series.Count; s++)
        {
            var color = Palette[s % Palette.Length];
            (int, int)? prev = null;
            foreach (var (x, yv) in series[s].Points)
            {
                if (!double.IsFinite(yv) || (logY && yv <= 0)) { prev = null; continue; }
                int px = M + (int)Math.Round((x - x0) / (x1 - x0) * (width - 2 * M - 1));
                int py = height - M - (int)Math.Round((Tx(yv) - y0) / (y1 - y0) * (height - 2 * M - 1));
                if (prev is (int qx, int qy)) Line(img, qx, qy, px, py, color);
                prev = (px, py);
            }
            // Legend swatch: a short bar per series in the top-right corner.
            for (int dx = 0; dx < 16; dx++)
                for (int dy = 0; dy < 3; dy++)
                    img[width - M - 20 + dx, M + 2 + s * 8 + dy] = color;
        }
        return img;
    }

    /// <summary>Bresenham line, clipped to the image.</summary>
    internal static void Line(Image<Rgb24> img, int x0, int y0, int x1, int y1, Rgb24 c)
    {
        int dx = Math.Abs(x1 - x0), sx = x0 < x1 ? 1 : -1, dy = -Math.Abs(y1 - y0), sy = y0 < y1 ? 1 : -1, err = dx + dy;
        while (true)
        {
            if (x0 >= 0 && y0 >= 0 && x0 < img.Width && y0 < img.Height) img[x0, y0] = c;
            if (x0 == x1 && y0 == y1) break;
            int e2 = 2 * err;
            if (e2 >= dy) { err += dy; x0 += sx; }
            if (e2 <= dx) { err += dx; y0 += sy; }
        }
    }
}
