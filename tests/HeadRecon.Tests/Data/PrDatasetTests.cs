using HeadRecon.Config;
using HeadRecon.Data;
using Xunit;

namespace HeadRecon.Tests.Data;

public class PrDatasetTests
{
    static DatasetOptions Options(string dir, string viewJson = "", int viewNum = 0) => new()
    {
        Format = "pr",
        DataDir = dir,
        ImgRes = [512, 512],
        ScanId = "-1",
        CamScale = 0.15,
        IdList = "id.txt",
        InitViewPath = viewJson,
        SparseViewNum = viewNum,
    };

    [Fact]
    public void Xml_gives_spec_intrinsics_and_skips_cameras_without_transform()
    {
        var cams = PrDataset.ParseAgisoftXml(Fixtures.Path("pr", "371", "cameraParameters.xml"));
        Assert.Equal(["15.png", "01.png", "07.jpg"], cams.Select(c => c.Name));
        foreach (var c in cams)
        {
            Assert.Equal([1000, 0, 256, 0, 1000, 256, 0, 0, 1], c.Intrinsics);
            Assert.Equal((512, 512), (c.Width, c.Height));
        }
    }

    [Theory]
    [InlineData("7", "07.jpg")]
    [InlineData("01.png", "01.png")]
    [InlineData("1.png", "01.png")]
    [InlineData("3.JPG", "03.JPG")]
    [InlineData("12", "12.jpg")]
    [InlineData("view_12.png", "view_12.png")]
    public void Label_rules_follow_the_original(string label, string expected) =>
        Assert.Equal(expected, PrDataset.LabelToFileName(label));

    [Fact]
    public void Cameras_are_scaled_and_rays_point_as_in_the_spec()
    {
        var ds = PrDataset.Load(Options(Fixtures.Path("pr")));
        // 07.png has only a "7" camera (-> 07.jpg) and 02.png has no transform: both skipped
        Assert.Equal(["01.png", "15.png"], ds.Views.Select(v => v.ViewName));
        Assert.Equal(1 / 0.15, ds.WorldToDatasetScale, 12);
        var v15 = ds.Views.Single(v => v.ViewName == "15.png");
        var v01 = ds.Views.Single(v => v.ViewName == "01.png");
        AssertVec((0, 0, -1.5), v15.Center);
        AssertVec((1.5, 0, 0), v01.Center);
        var (o15, d15) = PinholeCamera.Compute(v15, [256f, 256f]);
        var (o01, d01) = PinholeCamera.Compute(v01, [256f, 256f]);
        Assert.Equal([0, 0, -1.5], o15.Select(x => Math.Round(x, 12)));
        AssertVec((0, 0, 1), (d15[0], d15[1], d15[2]));
        AssertVec((-1, 0, 0), (d01[0], d01[1], d01[2]));
        // rotation untouched by cam_scale
        Assert.Equal(1.0, v15.CameraToWorld[0]);
        // pixel to the right of centre moves along camera +x = world +x for view 15
        var (_, dr) = PinholeCamera.Compute(v15, [356f, 256f]);
        Assert.True(dr[0] > 0.09);
    }

    [Fact]
    public void Alpha_is_composited_onto_white()
    {
        var ds = PrDataset.Load(Options(Fixtures.Path("pr")));
        var v = ds.Views[0];
        float[] Px(int col, int row) => v.Rgb.AsSpan((row * v.Width + col) * 3, 3).ToArray();
        Assert.Equal([200 / 255f, 100 / 255f, 50 / 255f], Px(256, 256));          // opaque disc
        float ring = 1 - 128 / 255f;                                                // black at alpha 128
        Assert.All(Px(256 + 120, 256), c => Assert.Equal(ring, c, 5));
        Assert.Equal([1f, 1f, 1f], Px(5, 5));                                       // transparent -> white
        Assert.Equal(1f, v.Mask![256 * 512 + 256]);
        Assert.Equal(0f, v.Mask![5 * 512 + 5]);
    }

    [Fact]
    public void View_json_selects_views_in_its_order()
    {
        var ds = PrDataset.Load(Options(Fixtures.Path("pr"), "2_view.json", 2));
        Assert.Equal(["15.png", "01.png"], ds.Views.Select(v => v.ViewName));
        Assert.Equal(["371"], ds.IdentityNames);
    }

    [Fact]
    public void Random_selection_forces_the_frontal_view()
    {
        for (int seed = 0; seed < 5; seed++)
        {
            var ds = PrDataset.Load(Options(Fixtures.Path("pr"), "", 1), seed);
            Assert.Equal("15.png", Assert.Single(ds.Views).ViewName);
        }
    }

    [Fact]
    public void Fine_tuning_appends_the_unseen_identity()
    {
        using var t = Fixtures.CopyOf("pr");
        Fixtures.CopyDirectory(t["371"], t["500"]);
        File.WriteAllText(t["ft.json"], "{\"sparse_view_num\":1,\"info\":{\"500\":[15]}}");
        var ds = PrDataset.Load(Options(t.Path, "ft.json", 15) with { ScanId = "500", FineTuneFlag = true, FineTuneView = 1 });
        Assert.Equal(["371", "500"], ds.IdentityNames);
        var v = Assert.Single(ds.Views);
        Assert.Equal(("500", 1, "15.png"), (v.IdentityName, v.IdentityIndex, v.ViewName));
    }

    [Fact]
    public void Sampling_returns_integer_pixels_with_their_colours()
    {
        var ds = PrDataset.Load(Options(Fixtures.Path("pr")));
        var b = ds.SamplePixels(new Random(1), 1, 500);
        Assert.Equal(500, b.Count);
        for (int i = 0; i < b.Count; i++)
        {
            float u = b.Uv[2 * i], v = b.Uv[2 * i + 1];
            Assert.Equal(MathF.Round(u), u);
            Assert.InRange(u, 0, 511);
            Assert.InRange(v, 0, 511);
            int p = ((int)v * 512 + (int)u) * 3;
            Assert.Equal(ds.Views[1].Rgb[p + 1], b.Rgb[3 * i + 1]);
        }
        var boxed = ds.SamplePixels(new Random(2), 1, 500, maskBoundingBox: true);
        // mask (alpha 128 and 255 are > 0.5) is the disc of radius 150: columns 107..405, grown by 30 px
        Assert.All(Enumerable.Range(0, 500), i => Assert.InRange(boxed.Uv[2 * i], 77, 435));
    }

    [Fact]
    public void Summary_counts_and_flags_cameras_outside_the_sphere()
    {
        var ds = PrDataset.Load(Options(Fixtures.Path("pr")));
        var s = ds.Summarize(3.0);
        Assert.Equal(2, s.NumViews);
        Assert.Empty(s.Warnings);
        var tight = ds.Summarize(1.0);
        Assert.Contains(tight.Warnings, w => w.Contains("outside the scene bounding sphere"));
    }

    static void AssertVec((double X, double Y, double Z) expected, (double X, double Y, double Z) actual)
    {
        Assert.Equal(expected.X, actual.X, 9);
        Assert.Equal(expected.Y, actual.Y, 9);
        Assert.Equal(expected.Z, actual.Z, 9);
    }
}
