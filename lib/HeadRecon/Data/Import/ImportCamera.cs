namespace HeadRecon.Data.Import;

/// <summary>
/// One camera of an external calibration, in the project's conventions: K 3×3 row-major with the top-left pixel's
/// centre at (0, 0) (VolSDF's; COLMAP's (0.5, 0.5) is shifted by −0.5 on import), camera-to-world 4×4 row-major with
/// OpenCV axes (x right, y down, z forward) in the source's world frame and units.
/// </summary>
public sealed record ImportCamera(string Name, string ImagePath, int Width, int Height, double[] Intrinsics, double[] CameraToWorld)
{
    public double[] Centre => [CameraToWorld[3], CameraToWorld[7], CameraToWorld[11]];

    /// <summary>Unit optical axis (camera +z) in the world.</summary>
    public double[] Axis
    {
        get
        {
            double x = CameraToWorld[2], y = CameraToWorld[6], z = CameraToWorld[10];
            double n = Math.Sqrt(x * x + y * y + z * z);
            return [x / n, y / n, z / n];
        }
    }
}

/// <summary>Finds a camera's image file in a folder: the exact name first, then the same stem with any image extension.</summary>
internal static class ImageFiles
{
    public static readonly string[] Extensions = [".png", ".jpg", ".jpeg", ".tif", ".tiff", ".bmp", ".webp"];

    public static string? Find(string dir, string name)
    {
        string exact = Path.Combine(dir, name);
        if (File.Exists(exact)) return exact;
        string stem = Path.GetFileNameWithoutExtension(name);
        string sub = Path.GetDirectoryName(name) ?? "";
        string folder = Path.Combine(dir, sub);
        if (!Directory.Exists(folder)) return null;
        return Directory.EnumerateFiles(folder)
            .Where(f => Extensions.Contains(Path.GetExtension(f).ToLowerInvariant()))
            .Where(f => string.Equals(Path.GetFileNameWithoutExtension(f), stem, StringComparison.OrdinalIgnoreCase))
            .Order(StringComparer.Ordinal).FirstOrDefault();
    }
}
