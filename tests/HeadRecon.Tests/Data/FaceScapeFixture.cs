using HeadRecon.IO;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Formats.Jpeg;
using SixLabors.ImageSharp.PixelFormats;

namespace HeadRecon.Tests.Data;

/// <summary>
/// The committed TestData/data/facescape tree, exactly the spec §4.2.4 fixture: id 2, 16_grin, one 4000x3000 view
/// with K = [[4000,0,2000],[0,4000,1500],[0,0,1]] and Rt = diag(1,-1,-1) | (0,0,600); the nose tip is TU vertex 0 at
/// the origin. Image: black with a (180,120,90) box at columns 1600..2399, rows 1200..1791; the mask is 255 there.
/// </summary>
internal static class FaceScapeFixture
{
    public const int BoxCol0 = 1600, BoxCol1 = 2400, BoxRow0 = 1200, BoxRow1 = 1792; // half-open, multiples of 16 (JPEG MCU)

    public static void Generate(string dir)
    {
        string tuple = Path.Combine(dir, "image", "2", "16_grin");
        Directory.CreateDirectory(Path.Combine(tuple, "train"));
        Directory.CreateDirectory(Path.Combine(dir, "mask", "2", "16_grin", "train"));
        Directory.CreateDirectory(Path.Combine(dir, "model", "2"));
        File.WriteAllText(Path.Combine(dir, "Rt_scale_dict.json"), "{\"2\": {\"16\": [1.0, [[1,0,0,0],[0,1,0,0],[0,0,1,0]]]}}\n");
        File.WriteAllText(Path.Combine(dir, "model", "2", "16_grin.obj"), "v 0 0 0\nv 10 0 0\nv 0 10 0\nf 1 2 3\n");
        File.WriteAllText(Path.Combine(tuple, "params.json"),
            "{\"0_K\": [[4000,0,2000],[0,4000,1500],[0,0,1]], \"0_Rt\": [[1,0,0,0],[0,-1,0,0],[0,0,-1,600]], \"0_valid\": true, \"0_width\": 4000, \"0_height\": 3000}\n");
        var v10 = new long[68];
        v10[30] = 0;
        v10[0] = 2;
        Npy.WriteNpz(Path.Combine(dir, "landmark_indices.npz"), [("v10", null, v10, [68])]);
        using var img = new Image<Rgb24>(4000, 3000);
        using var mask = new Image<L8>(4000, 3000);
        img.ProcessPixelRows(mask, (a, m) =>
        {
            for (int y = 0; y < a.Height; y++)
            {
                var row = a.GetRowSpan(y);
                var mrow = m.GetRowSpan(y);
                for (int x = 0; x < row.Length; x++)
                {
                    bool inside = x >= BoxCol0 && x < BoxCol1 && y >= BoxRow0 && y < BoxRow1;
                    row[x] = inside ? new Rgb24(180, 120, 90) : new Rgb24(0, 0, 0);
                    mrow[x] = new L8(inside ? (byte)255 : (byte)0);
                }
            }
        });
        img.SaveAsJpeg(Path.Combine(tuple, "train", "0.jpg"), new JpegEncoder { Quality = 90 });
        mask.SaveAsJpeg(Path.Combine(dir, "mask", "2", "16_grin", "train", "0.jpg"), new JpegEncoder { Quality = 90, ColorType = JpegColorType.Luminance });
    }
}
