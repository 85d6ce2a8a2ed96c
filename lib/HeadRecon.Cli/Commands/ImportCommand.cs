using System.CommandLine;
using HeadRecon.Data.Import;

namespace HeadRecon.Cli.Commands;

/// <summary>`headrecon import colmap|agisoft`: external cameras → an IDR scene (image/, mask/, cameras.npz) with a normalised frame.</summary>
public static class ImportCommand
{
    public static Command Create()
    {
        var cmd = new Command("import", "Bring a capture in: COLMAP or Agisoft cameras → an IDR scene (image/, mask/, cameras.npz) normalised to the template's scale.");
        cmd.Subcommands.Add(Colmap());
        cmd.Subcommands.Add(Agisoft());
        return cmd;
    }

    sealed record Common(Option<string> Images, Option<string> Out, Option<string?> Masks, Option<double> Radius, Option<bool> Crop, Option<double> Margin,
        Option<int> Size, Option<bool> KeepBackground, Option<string?> Landmarks, Option<double> MaxDistortion);

    static Common AddCommon(Command c)
    {
        var common = new Common(
            new Option<string>("--images") { Description = "folder with the images the calibration names", Required = true },
            new Option<string>("--out") { Description = "scene folder to create (must not exist or be empty)", Required = true },
            new Option<string?>("--masks") { Description = "masks (white = head), matched to images by file stem; default: the images' alpha channel if any" },
            new Option<double>("--radius") { Description = "radius of the object's sphere in the normalised frame (0.3: the face confs' grid_boundary, which the template's head fills)", DefaultValueFactory = _ => 0.3 },
            new Option<bool>("--crop-to-sphere") { Description = "crop each image to a square around the projected sphere" },
            new Option<double>("--crop-margin") { Description = "half side of the crop / projected sphere radius", DefaultValueFactory = _ => 1.2 },
            new Option<int>("--size") { Description = "longer image side after resizing (0 = keep)", DefaultValueFactory = _ => 0 },
            new Option<bool>("--keep-background") { Description = "do not composite the images onto white through the masks" },
            new Option<string?>("--landmarks2d") { Description = "2D landmarks JSON in the source images' pixels; written as SCENE/landmarks2d.json in the scene's pixels" },
            new Option<double>("--max-distortion-px") { Description = "largest lens distortion (px at the image border) that may be ignored", DefaultValueFactory = _ => ColmapImport.DefaultMaxDistortionPx });
        foreach (var o in new Option[] { common.Images, common.Out, common.Masks, common.Radius, common.Crop, common.Margin, common.Size, common.KeepBackground, common.Landmarks, common.MaxDistortion })
            c.Options.Add(o);
        return common;
    }

    static SceneImportOptions Options(ParseResult p, Common c) => new(p.GetValue(c.Out)!, p.GetValue(c.Masks), p.GetValue(c.Radius), p.GetValue(c.Crop),
        p.GetValue(c.Margin), p.GetValue(c.Size), !p.GetValue(c.KeepBackground), p.GetValue(c.Landmarks));

    static Command Colmap()
    {
        var sparse = new Argument<string>("SPARSE_DIR") { Description = "a COLMAP sparse model folder (cameras, images, points3D as .bin or .txt; e.g. sparse/0)" };
        var format = new Option<string>("--format") { Description = "auto (binary when both exist, as COLMAP) | text | binary", DefaultValueFactory = _ => "auto" };
        format.AcceptOnlyFromAmong("auto", "text", "binary");
        var noPoints = new Option<bool>("--ignore-points") { Description = "estimate the sphere from the cameras only" };
        var cmd = new Command("colmap", "COLMAP model (world-to-camera, OpenCV axes, pixel centres at +0.5) → IDR scene. Models: SIMPLE_PINHOLE, PINHOLE; SIMPLE_RADIAL/RADIAL/OPENCV only with negligible distortion.") { sparse, format, noPoints };
        var common = AddCommon(cmd);
        cmd.SetAction(p =>
        {
            var f = p.GetValue(format) switch { "text" => ColmapFormat.Text, "binary" => ColmapFormat.Binary, _ => ColmapFormat.Auto };
            var (cams, points) = ColmapImport.Load(p.GetValue(sparse)!, p.GetValue(common.Images)!, f, p.GetValue(common.MaxDistortion));
            var report = SceneImporter.Write(cams, p.GetValue(noPoints) ? null : points, Options(p, common), $"colmap:{p.GetValue(sparse)}");
            Console.WriteLine(report);
            return 0;
        });
        return cmd;
    }

    static Command Agisoft()
    {
        var xml = new Argument<string>("XML") { Description = "Agisoft Metashape/PhotoScan cameras XML (camera-to-chunk, OpenCV axes)" };
        var cmd = new Command("agisoft", "Agisoft cameras XML → IDR scene (the chunk transform is applied; distortion must be negligible).") { xml };
        var common = AddCommon(cmd);
        cmd.SetAction(p =>
        {
            var cams = AgisoftImport.Load(p.GetValue(xml)!, p.GetValue(common.Images)!, p.GetValue(common.MaxDistortion));
            var report = SceneImporter.Write(cams, null, Options(p, common), $"agisoft:{p.GetValue(xml)}");
            Console.WriteLine(report);
            return 0;
        });
        return cmd;
    }
}
