using System.Globalization;
using System.Text;
using HeadRecon.Data;
using HeadRecon.Data.Import;
using Xunit;

namespace HeadRecon.Tests.Data.Import;

[Collection("Capture")]
public class AgisoftImportTests(CaptureFixture capture)
{
    static string F(double v) => v.ToString("R", CultureInfo.InvariantCulture);

    /// <summary>The capture's cameras as Metashape writes them: one sensor each (principal point as an offset from the
    /// centre), camera-to-chunk transforms, and a chunk transform (rotation, translation, scale) to the world.</summary>
    static string Xml(IReadOnlyList<ImportCamera> cams, Similarity chunkToWorld, double k1 = 0)
    {
        var toChunk = chunkToWorld.Inverse();
        var sb = new StringBuilder("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<document version=\"1.4.0\">\n  <chunk label=\"Chunk 1\">\n    <sensors>\n");
        for (int i = 0; i < cams.Count; i++)
        {
            var k = cams[i].Intrinsics;
            sb.Append(CultureInfo.InvariantCulture, $"      <sensor id=\"{i}\" label=\"s{i}\" type=\"frame\"><resolution width=\"{cams[i].Width}\" height=\"{cams[i].Height}\"/>");
            sb.Append(CultureInfo.InvariantCulture, $"<calibration type=\"frame\" class=\"adjusted\"><resolution width=\"{cams[i].Width}\" height=\"{cams[i].Height}\"/><f>{F(k[0])}</f>");
            sb.Append(CultureInfo.InvariantCulture, $"<cx>{F(k[2] - cams[i].Width / 2.0)}</cx><cy>{F(k[5] - cams[i].Height / 2.0)}</cy><k1>{F(k1)}</k1></calibration></sensor>\n");
        }
        sb.Append("    </sensors>\n    <cameras>\n");
        for (int i = 0; i < cams.Count; i++)
            sb.Append(CultureInfo.InvariantCulture, $"      <camera id=\"{i}\" sensor_id=\"{i}\" label=\"{Path.GetFileNameWithoutExtension(cams[i].Name)}\"><transform>{string.Join(' ', toChunk.ApplyToCameraToWorld(cams[i].CameraToWorld).Select(F))}</transform></camera>\n");
        sb.Append("    </cameras>\n    <transform>\n");
        var r = chunkToWorld.Rotation;
        sb.Append(CultureInfo.InvariantCulture, $"      <rotation>{string.Join(' ', r.Select(F))}</rotation>\n      <translation>{string.Join(' ', chunkToWorld.Translation.Select(F))}</translation>\n      <scale>{F(chunkToWorld.Scale)}</scale>\n");
        sb.Append("    </transform>\n  </chunk>\n</document>\n");
        return sb.ToString();
    }

    [Fact]
    public void Chunk_transform_and_principal_point_offsets_give_back_the_world_cameras()
    {
        using var t = new TempDir();
        var cams = capture.Rig.Cameras;
        var chunk = new Similarity(250, Rotations.FromAxisAngle(0.2, -0.4, 0.9), [100, -40, 800]);
        File.WriteAllText(t["cameras.xml"], Xml(cams, chunk));
        var imported = AgisoftImport.Load(t["cameras.xml"], capture.Path3("images"));
        Assert.Equal(cams.Count, imported.Count);
        for (int i = 0; i < cams.Count; i++)
        {
            Assert.EndsWith(cams[i].Name, imported[i].ImagePath);
            for (int j = 0; j < 9; j++) Assert.Equal(cams[i].Intrinsics[j], imported[i].Intrinsics[j], 9);
            for (int j = 0; j < 16; j++) Assert.Equal(cams[i].CameraToWorld[j], imported[i].CameraToWorld[j], 6);
        }
        var report = SceneImporter.Write(imported, null, new SceneImportOptions(t["scene"], capture.Path3("masks")), "agisoft");
        Assert.Equal("viewing rays", report.Sphere.Method);
        var ds = DatasetLoader.Load(new HeadRecon.Config.DatasetOptions { Format = "idr", DataDir = t["scene"], ImgRes = [64, 64], ScanId = "-1" });
        Assert.Equal(cams.Count, ds.Views.Count);
    }

    [Fact]
    public void Distortion_that_moves_pixels_is_refused()
    {
        using var t = new TempDir();
        File.WriteAllText(t["cameras.xml"], Xml(capture.Rig.Cameras, Similarity.Identity, k1: 0.5));
        var ex = Assert.Throws<DatasetException>(() => AgisoftImport.Load(t["cameras.xml"], capture.Path3("images")));
        Assert.Contains("cameras.xml", ex.Message);
        Assert.Contains("distorts", ex.Message);
    }
}
