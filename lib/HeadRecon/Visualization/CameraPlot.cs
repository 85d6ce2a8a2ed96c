using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;

namespace HeadRecon.Visualization;

/// <summary>
/// A raster plot of a camera rig around the object's sphere: a top view (looking down the cameras' mean up vector)
/// and a side view, with each camera centre as a dot (the first one green), its optical axis as a short line and the
/// sphere as a red circle. Axes: up = mean of the cameras' −y axes, forward = towards the cameras' mean position.
/// </summary>
public static class CameraPlot
{
    static readonly Rgb24 White = new(255, 255, 255), Grid = new(220, 220, 220), Sphere = new(214, 39, 40),
        Camera = new(31, 119, 180), First = new(44, 160, 44), AxisLine = new(90, 90, 90), Border = new(0, 0, 0);

    /// <param name="cameraToWorlds">OpenCV camera-to-world matrices (row-major 4×4) in the frame of the sphere.</param>
    public static Image<Rgb24> Draw(IReadOnlyList<double[]> cameraToWorlds, double[] sphereCentre, double sphereRadius, int panel = 320)
    {
        var (right, up, forward) = DisplayAxes(cameraToWorlds, sphereCentre);
        var img = new Image<Rgb24>(2 * panel, panel, White);
        double extent = sphereRadius;
        foreach (var m in cameraToWorlds)
            extent = Math.Max(extent, Math.Sqrt(Sq(m[3] - sphereCentre[0]) + Sq(m[7] - sphereCentre[1]) + Sq(m[11] - sphereCentre[2])));
        extent *= 1.15;
        // Top view: right → x, forward → down the page (cameras below the sphere); side view: forward → x, up → up.
        DrawPanel(img, 0, panel, cameraToWorlds, sphereCentre, sphereRadius, extent, right, Neg(forward));
        DrawPanel(img, panel, panel, cameraToWorlds, sphereCentre, sphereRadius, extent, forward, up);
        return img;
    }

    static void DrawPanel(Image<Rgb24> img, int x0, int size, IReadOnlyList<double[]> cams, double[] c, double r, double extent, double[] h, double[] v)
    {
        double scale = (size / 2.0 - 4) / extent;
        (int X, int Y) P(double[] p)
        {
            double[] d = [p[0] - c[0], p[1] - c[1], p[2] - c[2]];
            return (x0 + size / 2 + (int)Math.Round(Dot(d, h) * scale), size / 2 - (int)Math.Round(Dot(d, v) * scale));
        }
        LineChart.Line(img, x0 + 4, size / 2, x0 + size - 5, size / 2, Grid);
        LineChart.Line(img, x0 + size / 2, 4, x0 + size / 2, size - 5, Grid);
        for (int k = 0; k < 720; k++)
        {
            double a = k * Math.PI / 360, b = (k + 1) * Math.PI / 360;
            LineChart.Line(img, x0 + size / 2 + (int)Math.Round(r * scale * Math.Cos(a)), size / 2 - (int)Math.Round(r * scale * Math.Sin(a)),
                x0 + size / 2 + (int)Math.Round(r * scale * Math.Cos(b)), size / 2 - (int)Math.Round(r * scale * Math.Sin(b)), Sphere);
        }
        for (int i = 0; i < cams.Count; i++)
        {
            var m = cams[i];
            double[] o = [m[3], m[7], m[11]];
            double dist = Math.Sqrt(Sq(o[0] - c[0]) + Sq(o[1] - c[1]) + Sq(o[2] - c[2]));
            double[] tip = [o[0] + 0.3 * dist * m[2], o[1] + 0.3 * dist * m[6], o[2] + 0.3 * dist * m[10]];
            var (px, py) = P(o);
            var (tx, ty) = P(tip);
            LineChart.Line(img, px, py, tx, ty, AxisLine);
            for (int dy = -3; dy <= 3; dy++)
                for (int dx = -3; dx <= 3; dx++)
                    if (dx * dx + dy * dy <= 9 && px + dx >= x0 && px + dx < x0 + size && py + dy >= 0 && py + dy < size)
                        img[px + dx, py + dy] = i == 0 ? First : Camera;
        }
        for (int k = 0; k < size; k++) { img[x0, k] = Border; img[x0 + k, 0] = Border; img[x0 + k, size - 1] = Border; }
    }

    static (double[] Right, double[] Up, double[] Forward) DisplayAxes(IReadOnlyList<double[]> cams, double[] c)
    {
        double[] up = [0, 0, 0], fwd = [0, 0, 0];
        foreach (var m in cams)
        {
            up[0] -= m[1]; up[1] -= m[5]; up[2] -= m[9];
            fwd[0] += m[3] - c[0]; fwd[1] += m[7] - c[1]; fwd[2] += m[11] - c[2];
        }
        up = Normalized(up, [0, 1, 0]);
        double d = Dot(fwd, up);
        fwd = Normalized([fwd[0] - d * up[0], fwd[1] - d * up[1], fwd[2] - d * up[2]], Math.Abs(up[2]) < 0.9 ? [0, 0, 1] : [1, 0, 0]);
        double[] right = [up[1] * fwd[2] - up[2] * fwd[1], up[2] * fwd[0] - up[0] * fwd[2], up[0] * fwd[1] - up[1] * fwd[0]];
        return (right, up, fwd);
    }

    static double[] Normalized(double[] v, double[] fallback)
    {
        double n = Math.Sqrt(Dot(v, v));
        return n > 1e-12 ? [v[0] / n, v[1] / n, v[2] / n] : fallback;
    }

    static double[] Neg(double[] v) => [-v[0], -v[1], -v[2]];
    static double Dot(double[] a, double[] b) => a[0] * b[0] + a[1] * b[1] + a[2] * b[2];
    static double Sq(double x) => x * x;
}
