using System.Text;
using HeadRecon.Data;
using HeadRecon.IO;
using Xunit;

namespace HeadRecon.Tests.Data;

public class IdrDatasetTests
{
    static HeadDataset LoadFixture(bool white = false) => IdrDataset.Load(new IdrLoadOptions(Fixtures.Path("idr"), WhiteBackgroundFromMask: white));

    [Fact]
    public void Npy_header_matches_real_numpy_bytes()
    {
        // np.save(f, np.eye(4)) with numpy 1.x/2.x writes exactly this 128-byte preamble: header length 118 = 'v'.
        string numpy = "\x93NUMPY\x01\x00v\x00{'descr': '<f8', 'fortran_order': False, 'shape': (4, 4), }" + new string(' ', 58) + "\n";
        Assert.Equal(Encoding.Latin1.GetBytes(numpy), Npy.Header("<f8", [4, 4]));
        Assert.Equal(128, Npy.Header("<i8", [68]).Length);
        var arrays = Npy.ReadNpz(Fixtures.Path("idr", "cameras.npz"));
        Assert.Equal("f8", arrays["world_mat_0"].DType);
        Assert.Equal([4L, 4L], arrays["world_mat_0"].Shape);
        Assert.Equal(IdrFixture.WorldMat(1), arrays["world_mat_1"].AsFloat64());
    }

    [Fact]
    public void Committed_fixture_is_what_the_generator_writes()
    {
        using var t = new TempDir();
        IdrFixture.Generate(t.Path);
        Assert.Equal(File.ReadAllBytes(Fixtures.Path("idr", "cameras.npz")), File.ReadAllBytes(t["cameras.npz"]));
    }

    [Fact]
    public void Decomposition_recovers_K_rotation_and_normalised_centres()
    {
        var ds = LoadFixture();
        Assert.Equal(3, ds.Views.Count);
        Assert.Equal(IdrFixture.ScaleMat, ds.ScaleMat);
        Assert.Equal(1.0, ds.WorldToDatasetScale);
        double[][] expectedCentres = [[0, 0, 4], [4, 0, 0], [0, -2, 2]]; // (C_world - T) / 2
        for (int i = 0; i < 3; i++)
        {
            var v = ds.Views[i];
            for (int j = 0; j < 9; j++) Assert.Equal(IdrFixture.K[j], v.Intrinsics[j], 9);
            var r = IdrFixture.WorldToCamera(IdrFixture.CentersWorld[i]);
            for (int a = 0; a < 3; a++)
                for (int b = 0; b < 3; b++) Assert.Equal(r[b * 3 + a], v.CameraToWorld[a * 4 + b], 9); // c2w rotation = Rᵀ
            Assert.Equal(expectedCentres[i][0], v.Center.X, 9);
            Assert.Equal(expectedCentres[i][1], v.Center.Y, 9);
            Assert.Equal(expectedCentres[i][2], v.Center.Z, 9);
            // the ray through the principal point heads for the object at the normalised origin
            var (o, d) = PinholeCamera.Compute(v, [(float)v.Cx, (float)v.Cy]);
            double n = Math.Sqrt(o[0] * o[0] + o[1] * o[1] + o[2] * o[2]);
            for (int a = 0; a < 3; a++) Assert.Equal(-o[a] / n, d[a], 6);
        }
    }

    [Theory]
    [InlineData(1.0)]
    [InlineData(-2.5)]
    public void Rays_through_projected_pixels_pass_through_the_point(double pSign)
    {
        double[] world = [0.9, -0.6, 1.4];
        for (int i = 0; i < 3; i++)
        {
            var p = IdrFixture.WorldMat(i).Select(x => x * pSign).ToArray();
            var pn = Multiply4(p, IdrFixture.ScaleMat);
            double[] xn = [(world[0] - 0.5) / 2, (world[1] + 0.25) / 2, (world[2] - 1) / 2];
            double px = pn[0] * xn[0] + pn[1] * xn[1] + pn[2] * xn[2] + pn[3];
            double py = pn[4] * xn[0] + pn[5] * xn[1] + pn[6] * xn[2] + pn[7];
            double pz = pn[8] * xn[0] + pn[9] * xn[1] + pn[10] * xn[2] + pn[11];
            var (k, c2w) = IdrDataset.DecomposeProjection(pn);
            var (o, d) = PinholeCamera.Compute(k, c2w, [(float)(px / pz), (float)(py / pz)]);
            double[] to = [xn[0] - o[0], xn[1] - o[1], xn[2] - o[2]];
            double len = Math.Sqrt(to.Sum(x => x * x));
            for (int a = 0; a < 3; a++) Assert.Equal(to[a] / len, d[a], 5); // float uv limits precision
        }
    }

    [Fact]
    public void Masks_composite_onto_white_and_options_rescale_and_flip()
    {
        var plain = LoadFixture();
        var white = LoadFixture(white: true);
        var v = white.Views[0];
        Assert.Equal([1f, 1f, 1f], v.Rgb.AsSpan(0, 3).ToArray());                     // (0,0) is outside the mask box
        int inside = (15 * 40 + 20) * 3;
        Assert.Equal(plain.Views[0].Rgb.AsSpan(inside, 3).ToArray(), v.Rgb.AsSpan(inside, 3).ToArray());
        Assert.Equal(20 * 14, v.Mask!.Sum());

        var h3ds = IdrDataset.Load(new IdrLoadOptions(Fixtures.Path("idr"), ViewIndices: [2], TranslationScale: 0.3, FlipWorldYZ: true));
        var c = Assert.Single(h3ds.Views).Center;
        Assert.Equal((0.0, 2 * 0.3, -2 * 0.3), (Math.Round(c.X, 9), Math.Round(c.Y, 9), Math.Round(c.Z, 9)));
        Assert.Equal(1 / 0.3, h3ds.WorldToDatasetScale, 12);
    }

    [Fact]
    public void Npz_without_world_mat_names_the_file()
    {
        using var t = Fixtures.CopyOf("idr");
        Npy.WriteNpz(t["cameras.npz"], [("scale_mat_0", IdrFixture.ScaleMat, null, [4, 4])]);
        var ex = Assert.Throws<DatasetException>(() => IdrDataset.Load(new IdrLoadOptions(t.Path)));
        Assert.Contains("cameras.npz", ex.Message);
        Assert.Contains("world_mat_0", ex.Message);
    }

    [Fact]
    public void Bad_scene_folders_throw_one_clear_exception()
    {
        using var t = Fixtures.CopyOf("idr");
        Assert.Contains("missing-scene", Assert.Throws<DatasetException>(() => IdrDataset.Load(new IdrLoadOptions(t["missing-scene"]))).Message);
        Assert.Contains("img_res", Assert.Throws<DatasetException>(() => IdrDataset.Load(new IdrLoadOptions(t.Path, ImgRes: [31, 40]))).Message);
        File.WriteAllText(t["image/000001.png"], "not a png");
        Assert.Contains("000001.png", Assert.Throws<DatasetException>(() => IdrDataset.Load(new IdrLoadOptions(t.Path))).Message);
        File.Delete(t["mask/002.png"]);
        Assert.Contains("mask", Assert.Throws<DatasetException>(() => IdrDataset.Load(new IdrLoadOptions(t.Path))).Message);
        File.Delete(t["cameras.npz"]);
        Directory.Delete(t["mask"], true);
        Assert.Contains("cameras.npz", Assert.Throws<DatasetException>(() => IdrDataset.Load(new IdrLoadOptions(t.Path))).Message);
    }

    static double[] Multiply4(double[] a, double[] b)
    {
        var c = new double[16];
        for (int i = 0; i < 4; i++)
            for (int j = 0; j < 4; j++)
                for (int k = 0; k < 4; k++) c[i * 4 + j] += a[i * 4 + k] * b[k * 4 + j];
        return c;
    }
}

public class IdrDispatchTests
{
    [Fact]
    public void H3ds_format_applies_the_old_loader_conventions()
    {
        var idr = HeadRecon.Data.DatasetLoader.Load(new HeadRecon.Config.DatasetOptions { Format = "idr", DataDir = Fixtures.Path("idr"), ImgRes = [30, 40] });
        var h3ds = HeadRecon.Data.DatasetLoader.Load(new HeadRecon.Config.DatasetOptions { Format = "h3ds", DataDir = Fixtures.Path("idr"), ImgRes = [30, 40] });
        Assert.Equal("idr", idr.IdentityNames[0]);
        var a = idr.Views[2].Center;
        var b = h3ds.Views[2].Center;
        Assert.Equal(0.3 * a.X, b.X, 9);
        Assert.Equal(-0.3 * a.Y, b.Y, 9);
        Assert.Equal(-0.3 * a.Z, b.Z, 9);
        Assert.Equal([1f, 1f, 1f], h3ds.Views[0].Rgb.AsSpan(0, 3).ToArray());
    }
}
