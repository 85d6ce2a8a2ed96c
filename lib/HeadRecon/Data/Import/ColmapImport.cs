using System.Globalization;

namespace HeadRecon.Data.Import;

/// <summary>
/// Cameras of a COLMAP sparse model. COLMAP stores world-to-camera poses with OpenCV axes and pixel coordinates whose
/// top-left pixel centre is (0.5, 0.5); the import inverts the pose and shifts the principal point by −0.5.
/// Supported camera models: SIMPLE_PINHOLE, PINHOLE, and SIMPLE_RADIAL, RADIAL, OPENCV when their distortion moves no
/// pixel of the image by more than <c>maxDistortionPx</c> (the distortion is then ignored). Every other model (fisheye,
/// FOV, FULL_OPENCV, thin prism) and larger distortion stop the import with advice: run COLMAP's image_undistorter
/// and import its undistorted PINHOLE model.
/// </summary>
public static class ColmapImport
{
    public const double DefaultMaxDistortionPx = 1.0;

    public static (List<ImportCamera> Cameras, List<double[]> Points) Load(string sparseDir, string imagesDir, ColmapFormat format = ColmapFormat.Auto, double maxDistortionPx = DefaultMaxDistortionPx)
    {
        var model = ColmapModel.Read(sparseDir, format);
        if (!Directory.Exists(imagesDir)) throw new DatasetException($"{imagesDir}: image folder not found");
        var cams = model.Cameras.ToDictionary(c => c.Id);
        var result = new List<ImportCamera>();
        foreach (var im in model.Images.OrderBy(i => i.Name, StringComparer.Ordinal))
        {
            if (!cams.TryGetValue(im.CameraId, out var cam)) throw new DatasetException($"{sparseDir}: image '{im.Name}' refers to camera {im.CameraId}, which is not in the model");
            string path = ImageFiles.Find(imagesDir, im.Name) ?? throw new DatasetException($"{imagesDir}: image '{im.Name}' of the COLMAP model is missing");
            result.Add(new ImportCamera(im.Name, path, cam.Width, cam.Height, Intrinsics(cam, maxDistortionPx, sparseDir), im.CameraToWorld));
        }
        if (result.Count == 0) throw new DatasetException($"{sparseDir}: the model has no registered images");
        return (result, model.Points.Select(p => new[] { p.X, p.Y, p.Z }).ToList());
    }

    /// <summary>K in the project's convention (principal point − 0.5) from a COLMAP camera; distortion checked, then dropped.</summary>
    public static double[] Intrinsics(ColmapCamera c, double maxDistortionPx, string source)
    {
        var p = c.Params;
        double fx, fy, cx, cy, k1 = 0, k2 = 0, p1 = 0, p2 = 0;
        switch (c.Model)
        {
            case "SIMPLE_PINHOLE": fx = fy = p[0]; cx = p[1]; cy = p[2]; break;
            case "PINHOLE": fx = p[0]; fy = p[1]; cx = p[2]; cy = p[3]; break;
            case "SIMPLE_RADIAL": fx = fy = p[0]; cx = p[1]; cy = p[2]; k1 = p[3]; break;
            case "RADIAL": fx = fy = p[0]; cx = p[1]; cy = p[2]; k1 = p[3]; k2 = p[4]; break;
            case "OPENCV": fx = p[0]; fy = p[1]; cx = p[2]; cy = p[3]; k1 = p[4]; k2 = p[5]; p1 = p[6]; p2 = p[7]; break;
            default:
                throw new DatasetException($"{source}: camera {c.Id} uses the {c.Model} model, which is not supported (SIMPLE_PINHOLE, PINHOLE, or SIMPLE_RADIAL/RADIAL/OPENCV with small distortion); " +
                                           "undistort first (colmap image_undistorter) and import the undistorted PINHOLE model");
        }
        if (!(fx > 0 && fy > 0)) throw new DatasetException($"{source}: camera {c.Id} has a non-positive focal length ({fx}, {fy})");
        double worst = MaxDistortionPx(c.Width, c.Height, fx, fy, cx, cy, k1, k2, p1, p2);
        if (worst > maxDistortionPx)
            throw new DatasetException(string.Create(CultureInfo.InvariantCulture,
                $"{source}: camera {c.Id} ({c.Model}) distorts pixels by up to {worst:F2} px at the image border (limit {maxDistortionPx} px, --max-distortion-px); the import ignores distortion, so undistort first (colmap image_undistorter) and import the undistorted PINHOLE model"));
        return [fx, 0, cx - 0.5, 0, fy, cy - 0.5, 0, 0, 1];
    }

    /// <summary>Largest displacement (px) that OpenCV-style radial/tangential distortion applies at the image's corners and edge midpoints.</summary>
    public static double MaxDistortionPx(int width, int height, double fx, double fy, double cx, double cy, double k1, double k2, double p1, double p2, double k3 = 0)
    {
        double worst = 0;
        foreach (double u in new[] { 0.0, width / 2.0, width })
            foreach (double v in new[] { 0.0, height / 2.0, height })
            {
                double x = (u - cx) / fx, y = (v - cy) / fy, r2 = x * x + y * y;
                double radial = k1 * r2 + k2 * r2 * r2 + k3 * r2 * r2 * r2;
                double dx = x * radial + 2 * p1 * x * y + p2 * (r2 + 2 * x * x);
                double dy = y * radial + p1 * (r2 + 2 * y * y) + 2 * p2 * x * y;
                worst = Math.Max(worst, Math.Sqrt(fx * dx * fx * dx + fy * dy * fy * dy));
            }
        return worst;
    }
}
