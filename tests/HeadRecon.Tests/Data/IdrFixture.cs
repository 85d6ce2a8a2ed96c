using HeadRecon.IO;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;

namespace HeadRecon.Tests.Data;

/// <summary>
/// The committed TestData/data/idr scene: 3 cameras looking at the world point (0.5,-0.25,1) from distance 4,
/// K with skew, P scaled by a positive factor (VolSDF divides it out); scale_mat = 2·I + (0.5,-0.25,1) so the
/// normalised frame has the object at the origin. Images 40x30 (W x H), masks with a central box.
/// </summary>
internal static class IdrFixture
{
    public static readonly double[] K = [50, 0.5, 20, 0, 55, 15, 0, 0, 1];
    public static readonly double[] ScaleMat = [2, 0, 0, 0.5, 0, 2, 0, -0.25, 0, 0, 2, 1, 0, 0, 0, 1];
    public const int Width = 40, Height = 30;
    public static readonly double[][] CentersWorld = [[0.5, -0.25, 9], [8.5, -0.25, 1], [0.5, -4.25, 5]];
    public static readonly double[] PScale = [1.0, 3.7, 0.02];

    /// <summary>World-to-camera rotation (rows = camera x, y, z axes in world coordinates) looking from c at the object, OpenCV axes.</summary>
    public static double[] WorldToCamera(double[] c)
    {
        double[] t = [0.5, -0.25, 1];
        double[] z = [t[0] - c[0], t[1] - c[1], t[2] - c[2]];
        Normalize(z);
        double[] up = Math.Abs(z[1]) > 0.9 ? [0, 0, 1] : [0, 1, 0];
        double[] x = Cross(z, up); Normalize(x);
        double[] y = Cross(z, x);
        return [.. x, .. y, .. z]; // rows are the camera axes in world coordinates
    }

    public static double[] WorldMat(int i)
    {
        var c = CentersWorld[i];
        var r = WorldToCamera(c);
        double[] t = [-(r[0] * c[0] + r[1] * c[1] + r[2] * c[2]), -(r[3] * c[0] + r[4] * c[1] + r[5] * c[2]), -(r[6] * c[0] + r[7] * c[1] + r[8] * c[2])];
        var p = new double[16];
        for (int row = 0; row < 3; row++)
            for (int col = 0; col < 4; col++)
            {
                double s = 0;
                for (int k = 0; k < 3; k++) s += K[row * 3 + k] * (col < 3 ? r[k * 3 + col] : t[k]);
                p[row * 4 + col] = PScale[i] * s;
            }
        p[15] = 1;
        return p;
    }

    public static void Generate(string dir)
    {
        Directory.CreateDirectory(Path.Combine(dir, "image"));
        Directory.CreateDirectory(Path.Combine(dir, "mask"));
        var arrays = new List<(string, double[]?, long[]?, long[])>();
        for (int i = 0; i < CentersWorld.Length; i++)
        {
            arrays.Add(($"world_mat_{i}", WorldMat(i), null, [4, 4]));
            arrays.Add(($"scale_mat_{i}", ScaleMat, null, [4, 4]));
            using var img = new Image<Rgba32>(Width, Height);
            using var mask = new Image<Rgba32>(Width, Height);
            for (int y = 0; y < Height; y++)
                for (int x = 0; x < Width; x++)
                {
                    img[x, y] = new Rgba32((byte)(x * 6), (byte)(y * 8), (byte)(60 * i), 255);
                    bool inside = x >= 10 && x < 30 && y >= 8 && y < 22;
                    mask[x, y] = inside ? new Rgba32(255, 255, 255, 255) : new Rgba32(0, 0, 0, 255);
                }
            img.SaveAsPng(Path.Combine(dir, "image", $"{i:D6}.png"));
            mask.SaveAsPng(Path.Combine(dir, "mask", $"{i:D3}.png"));
        }
        Npy.WriteNpz(Path.Combine(dir, "cameras.npz"), arrays);
    }

    static void Normalize(double[] v) { double n = Math.Sqrt(v[0] * v[0] + v[1] * v[1] + v[2] * v[2]); for (int i = 0; i < 3; i++) v[i] /= n; }
    static double[] Cross(double[] a, double[] b) => [a[1] * b[2] - a[2] * b[1], a[2] * b[0] - a[0] * b[2], a[0] * b[1] - a[1] * b[0]];
}
