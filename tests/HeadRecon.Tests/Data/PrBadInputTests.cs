using HeadRecon.Config;
using HeadRecon.Data;
using Xunit;

namespace HeadRecon.Tests.Data;

/// <summary>Each broken PR input must raise exactly one DatasetException whose message names the offending file.</summary>
public class PrBadInputTests
{
    static DatasetOptions Options(string dir, string viewJson = "", int viewNum = 0) => new()
    {
        DataDir = dir, ImgRes = [512, 512], ScanId = "-1", CamScale = 0.15, IdList = "id.txt", InitViewPath = viewJson, SparseViewNum = viewNum,
    };

    static string Fails(DatasetOptions o) => Assert.Throws<DatasetException>(() => PrDataset.Load(o)).Message;

    [Fact]
    public void Missing_data_folder() => Assert.Contains("no-such-dir", Fails(Options("/tmp/no-such-dir")));

    [Fact]
    public void Missing_identity_folder()
    {
        using var t = Fixtures.CopyOf("pr");
        File.WriteAllText(t["id.txt"], "371\n372\n");
        Assert.Contains(Path.Combine(t.Path, "372"), Fails(Options(t.Path)));
    }

    [Fact]
    public void Missing_id_list() => Assert.Contains("ids.txt", Fails(Options(Fixtures.Path("pr")) with { IdList = "ids.txt" }));

    [Fact]
    public void Duplicate_ids()
    {
        using var t = Fixtures.CopyOf("pr");
        File.WriteAllText(t["id.txt"], "371\n371\n");
        var msg = Fails(Options(t.Path));
        Assert.Contains("id.txt", msg);
        Assert.Contains("more than once", msg);
    }

    [Fact]
    public void Unreadable_image()
    {
        using var t = Fixtures.CopyOf("pr");
        File.WriteAllBytes(t["371/15.png"], [1, 2, 3, 4, 5]);
        Assert.Contains("15.png", Fails(Options(t.Path)));
    }

    [Fact]
    public void Image_size_differs_from_img_res() =>
        Assert.Contains("01.png", Fails(Options(Fixtures.Path("pr")) with { ImgRes = [256, 256] }));

    [Fact]
    public void Image_size_differs_from_the_xml_sensor()
    {
        using var t = Fixtures.CopyOf("pr");
        string xml = File.ReadAllText(t["371/cameraParameters.xml"]).Replace("<resolution width=\"512\" height=\"512\"/>\n        <calibration", "<resolution width=\"640\" height=\"480\"/>\n        <calibration");
        File.WriteAllText(t["371/cameraParameters.xml"], xml);
        var msg = Fails(Options(t.Path));
        Assert.Contains("cameraParameters.xml", msg);
        Assert.Contains("640x480", msg);
    }

    [Fact]
    public void Malformed_xml()
    {
        using var t = Fixtures.CopyOf("pr");
        File.WriteAllText(t["371/cameraParameters.xml"], "<document><chunk>");
        Assert.Contains("cameraParameters.xml", Fails(Options(t.Path)));
    }

    [Fact]
    public void Missing_xml()
    {
        using var t = Fixtures.CopyOf("pr");
        File.Delete(t["371/cameraParameters.xml"]);
        Assert.Contains("cameraParameters.xml", Fails(Options(t.Path)));
    }

    [Fact]
    public void View_json_selecting_a_camera_without_transform()
    {
        using var t = Fixtures.CopyOf("pr");
        File.WriteAllText(t["sel.json"], "{\"sparse_view_num\":2,\"info\":{\"371\":[15,2]}}");
        var msg = Fails(Options(t.Path, "sel.json", 2));
        Assert.Contains("sel.json", msg);
        Assert.Contains("view 2", msg);
    }

    [Fact]
    public void View_json_naming_an_absent_view()
    {
        using var t = Fixtures.CopyOf("pr");
        File.WriteAllText(t["sel.json"], "{\"sparse_view_num\":2,\"info\":{\"371\":[15,4]}}");
        Assert.Contains("view 4", Fails(Options(t.Path, "sel.json", 2)));
    }

    [Fact]
    public void View_json_without_the_loaded_identity()
    {
        using var t = Fixtures.CopyOf("pr");
        File.WriteAllText(t["sel.json"], "{\"sparse_view_num\":1,\"info\":{\"999\":[15]}}");
        var msg = Fails(Options(t.Path, "sel.json", 1));
        Assert.Contains("sel.json", msg);
        Assert.Contains("'371'", msg);
    }

    [Fact]
    public void View_json_with_another_view_count() =>
        Assert.Contains("2_view.json", Fails(Options(Fixtures.Path("pr"), "2_view.json", 15)));

    [Fact]
    public void Malformed_view_json()
    {
        using var t = Fixtures.CopyOf("pr");
        File.WriteAllText(t["sel.json"], "{\"sparse_view_num\":");
        Assert.Contains("sel.json", Fails(Options(t.Path, "sel.json", 1)));
        Assert.Contains("missing.json", Fails(Options(t.Path, "missing.json", 1)));
    }

    [Fact]
    public void Scan_id_not_in_the_list() =>
        Assert.Contains("id.txt", Fails(Options(Fixtures.Path("pr")) with { ScanId = "999" }));

    [Fact]
    public void Fine_tuning_needs_a_view_json_and_an_unseen_id()
    {
        Assert.Contains("init_view_path", Fails(Options(Fixtures.Path("pr")) with { ScanId = "500", FineTuneFlag = true }));
        Assert.Contains("already in the id list", Fails(Options(Fixtures.Path("pr"), "1_view.json", 1) with { ScanId = "371", FineTuneFlag = true }));
    }

    [Fact]
    public void Unknown_format_names_the_folder() =>
        Assert.Contains("colmap", Assert.Throws<DatasetException>(() => DatasetLoader.Load(Options(Fixtures.Path("pr")) with { Format = "colmap" })).Message);
}

public class PrXmlEdgeTests
{
    [Fact]
    public void Two_cameras_with_the_same_image_name()
    {
        using var t = Fixtures.CopyOf("pr");
        string xml = File.ReadAllText(t["371/cameraParameters.xml"]).Replace("label=\"7\"", "label=\"1.png\"");
        File.WriteAllText(t["371/cameraParameters.xml"], xml);
        var ex = Assert.Throws<DatasetException>(() => PrDataset.Load(new HeadRecon.Config.DatasetOptions { DataDir = t.Path, InitViewPath = "", SparseViewNum = 0 }));
        Assert.Contains("cameraParameters.xml", ex.Message);
        Assert.Contains("01.png", ex.Message);
    }

    [Fact]
    public void Separate_fx_fy_and_principal_offsets()
    {
        using var t = new TempDir();
        File.WriteAllText(t["c.xml"], "<document><chunk><sensors><sensor id=\"3\"><resolution width=\"640\" height=\"480\"/><calibration><fx>900</fx><fy>950</fy><cx>-4.5</cx><cy>2</cy><b1>7</b1><k1>0.1</k1></calibration></sensor></sensors>" +
            "<cameras><camera sensor_id=\"3\" label=\"a.png\"><transform>1 0 0 1 0 1 0 2 0 0 1 3 0 0 0 1</transform></camera></cameras></chunk></document>");
        var cam = Assert.Single(PrDataset.ParseAgisoftXml(t["c.xml"]));
        Assert.Equal([900, 0, 315.5, 0, 950, 242, 0, 0, 1], cam.Intrinsics);
        Assert.Equal(3.0, cam.CameraToWorld[11]); // translations untouched by the parser
    }
}
