namespace HeadRecon.Data.Synthetic;

/// <summary>One synthetic camera in XML units: K 3x3 row-major, camera-to-world 4x4 row-major (OpenCV axes).</summary>
public sealed record RigCamera(int ViewNumber, double[] Intrinsics, double[] CameraToWorld, Vector3d Direction);

/// <summary>
/// A PR-like capture rig: cameras on the frontal hemisphere (within 70° of the face direction +z) looking at the
/// head, view 15 exactly frontal. Distance 8 XML units = 1.2 scaled units with cam_scale 0.15.
/// </summary>
public static class HeadRig
{
    public const double Distance = 8.0;
    public const double FocalPerPixel = 2.1;
    public static readonly Vector3d Target = new(0, -0.15, 0);

    /// <summary>Principal-point offsets from the image centre (Agisoft style), as fractions of the width; non-zero on purpose so loaders must add W/2.</summary>
    public const double CxOffsetFraction = 0.01, CyOffsetFraction = -0.008;

    public static List<RigCamera> Cameras(int views, int resolution)
    {
        double f = FocalPerPixel * resolution;
        double cx = resolution / 2.0 + CxOffsetFraction * resolution, cy = resolution / 2.0 + CyOffsetFraction * resolution;
        double[] k = [f, 0, cx, 0, f, cy, 0, 0, 1];
        var dirs = new List<Vector3d>();
        // golden-angle spiral on the cap; views-1 directions, the frontal one is inserted as view 15
        int n = views - 1;
        double cosMax = Math.Cos(70 * Math.PI / 180);
        double golden = Math.PI * (3 - Math.Sqrt(5));
        for (int i = 0; i < n; i++)
        {
            double cz = 1 - (i + 0.5) / n * (1 - cosMax);
            double sz = Math.Sqrt(1 - cz * cz);
            double phi = i * golden;
            dirs.Add(new Vector3d(sz * Math.Cos(phi), 0.8 * sz * Math.Sin(phi), cz).Normalized());
        }
        dirs.Insert(Math.Min(PrDataset.FrontalView - 1, dirs.Count), new Vector3d(0, 0, 1));
        var cams = new List<RigCamera>();
        for (int i = 0; i < views; i++)
        {
            var c = Target + dirs[i] * Distance;
            cams.Add(new RigCamera(i + 1, (double[])k.Clone(), LookAt(c, Target), dirs[i]));
        }
        return cams;
    }

    /// <summary>OpenCV camera-to-world looking from eye to target with world +y up (camera y points down).</summary>
    public static double[] LookAt(Vector3d eye, Vector3d target)
    {
        var z = (target - eye).Normalized();
        var x = Vector3d.Cross(z, new Vector3d(0, 1, 0)).Normalized();
        var y = Vector3d.Cross(z, x);
        return [x.X, y.X, z.X, eye.X, x.Y, y.Y, z.Y, eye.Y, x.Z, y.Z, z.Z, eye.Z, 0, 0, 0, 1];
    }

    /// <summary>Well-spread subset of k views that always contains view 15 (farthest-point sampling over view directions).</summary>
    public static int[] SpreadSelection(IReadOnlyList<RigCamera> cams, int k)
    {
        var chosen = new List<RigCamera> { cams.First(c => c.ViewNumber == PrDataset.FrontalView) };
        while (chosen.Count < Math.Min(k, cams.Count))
        {
            var next = cams.Where(c => !chosen.Contains(c))
                .MaxBy(c => chosen.Min(s => Math.Acos(Math.Clamp(Vector3d.Dot(s.Direction, c.Direction), -1, 1))))!;
            chosen.Add(next);
        }
        return chosen.Select(c => c.ViewNumber).ToArray();
    }
}
