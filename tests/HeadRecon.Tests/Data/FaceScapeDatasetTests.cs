using HeadRecon.Config;
using HeadRecon.Data;
using Xunit;

namespace HeadRecon.Tests.Data;

public class FaceScapeDatasetTests
{
    // decoding the 4000x3000 fixture takes ~1 s: load the untouched fixture once for the class
    static readonly Lazy<HeadDataset> Shared = new(() => FaceScapeDataset.Load(new FaceScapeLoadOptions(Fixtures.Path("facescape"), ["2"])));

    static HeadDataset LoadFixture(string? dir = null) =>
        dir is null ? Shared.Value : FaceScapeDataset.Load(new FaceScapeLoadOptions(dir, ["2"]));

    [Fact]
    public void Spec_fixture_gives_the_exact_opencv_camera()
    {
        var ds = LoadFixture();
        var v = Assert.Single(ds.Views);
        Assert.Equal((1000, 750), (v.Width, v.Height));
        Assert.Equal([1000, 0, 500, 0, 1000, 375, 0, 0, 1], v.Intrinsics);
        Assert.Equal([1, 0, 0, 0, 0, -1, 0, 0, 0, 0, -1, 6.4, 0, 0, 0, 1], v.CameraToWorld.Select(x => Math.Round(x, 12)));
        var (o, d) = PinholeCamera.Compute(v, [500f, 375f]);
        Assert.Equal([0, 0, 6.4], o.Select(x => Math.Round(x, 12)));
        Assert.Equal([0, 0, -1], d.Select(x => Math.Round(x, 12)));      // towards the face
        // image row increases downwards = world -y (head top is +y)
        var (_, below) = PinholeCamera.Compute(v, [500f, 475f]);
        Assert.True(below[1] < -0.09);
        Assert.Equal(100.0, ds.UnitsToMm);
        Assert.Equal(0, v.IdentityIndex);
    }

    [Fact]
    public void Nose_tip_maps_to_point_four_on_z()
    {
        Assert.Equal([0, 0, 0.4], FaceScapeDataset.TuMillimetresToWorld([0, 0, 0], [0, 0, 0]));
        Assert.Equal([0.1, 0, 0.4], FaceScapeDataset.TuMillimetresToWorld([15, 5, -3], [5, 5, -3]));
        // and the camera's optical axis passes through it, 6 units (600 mm) away
        var v = LoadFixture().Views[0];
        var (u, row, depth) = PinholeCamera.Project(v, 0, 0, 0.4);
        Assert.Equal((500.0, 375.0, 6.0), (Math.Round(u, 9), Math.Round(row, 9), Math.Round(depth, 9)));
    }

    [Fact]
    public void Images_are_area_downscaled_and_masks_give_a_bbox_grown_by_30()
    {
        var v = LoadFixture().Views[0];
        // box /4 = columns 400..599, rows 300..447
        var box = HeadDataset.MaskBoundingBox(v, 30);
        Assert.Equal((270, 477, 370, 629), box);
        Assert.Equal(200 * 148, v.Mask!.Sum());
        int centre = (375 * 1000 + 500) * 3;
        Assert.Equal(180 / 255f, v.Rgb[centre], 2);
        Assert.Equal(120 / 255f, v.Rgb[centre + 1], 2);
        Assert.Equal(90 / 255f, v.Rgb[centre + 2], 2);
        Assert.Equal(0f, v.Rgb[0], 2); // black background is kept (no compositing for FaceScape)
        var ds = LoadFixture();
        var batch = ds.SamplePixels(new Random(0), 0, 2000, maskBoundingBox: true);
        for (int i = 0; i < batch.Count; i++)
        {
            Assert.InRange(batch.Uv[2 * i], 370, 629);
            Assert.InRange(batch.Uv[2 * i + 1], 270, 477);
        }
    }

    [Fact]
    public void Area_resize_averages_blocks()
    {
        byte[] src = new byte[8 * 4];
        for (int i = 0; i < src.Length; i++) src[i] = (byte)(i % 8 < 4 ? 0 : 200);
        Assert.Equal([0, 200], ImageLoading.ResizeArea(src, 8, 4, 1, 2, 1));
        // 3 -> 2 pixels: output 0 covers src0 and half of src1, i.e. (0 + 0.5·180) / 1.5
        Assert.Equal([60, 230], ImageLoading.ResizeArea([0, 180, 255], 3, 1, 1, 2, 1));
    }

    [Fact]
    public void Run_config_loads_facescape_through_the_dispatcher()
    {
        var ds = DatasetLoader.Load(new DatasetOptions { Format = "facescape", DataDir = Fixtures.Path("facescape"), ScanId = "2", SparseViewNum = 3 });
        Assert.Equal(["2"], ds.IdentityNames);
        var all = DatasetLoader.Load(new DatasetOptions { Format = "facescape", DataDir = Fixtures.Path("facescape"), ScanId = "-1" });
        Assert.Single(all.Views);
    }

    [Fact]
    public void Broken_inputs_name_the_file()
    {
        using var t = Fixtures.CopyOf("facescape");
        File.WriteAllText(t["image/2/16_grin/params.json"], "{\"0_K\": [[4000,0,2000],[0,4000,1500],[0,0,1]]}");
        Assert.Contains("params.json", Assert.Throws<DatasetException>(() => LoadFixture(t.Path)).Message);
        File.WriteAllText(t["Rt_scale_dict.json"], "{\"3\": {}}");
        Assert.Contains("Rt_scale_dict.json", Assert.Throws<DatasetException>(() => LoadFixture(t.Path)).Message);
        File.Delete(t["landmark_indices.npz"]);
        Assert.Contains("landmark_indices.npz", Assert.Throws<DatasetException>(() => LoadFixture(t.Path)).Message);
    }

    [Fact]
    public void Missing_mask_names_the_mask_file()
    {
        using var t = Fixtures.CopyOf("facescape");
        File.Delete(t["mask/2/16_grin/train/0.jpg"]);
        var ex = Assert.Throws<DatasetException>(() => LoadFixture(t.Path));
        Assert.Contains(Path.Combine("mask", "2", "16_grin", "train", "0.jpg"), ex.Message);
        Assert.Contains("twice", Assert.Throws<DatasetException>(() => FaceScapeDataset.Load(new FaceScapeLoadOptions(t.Path, ["2", "2"]))).Message);
    }
}
