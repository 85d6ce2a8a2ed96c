namespace HeadRecon.Data.Synthetic;

/// <summary>One synthetic camera in XML units: K 3x3 row-major, camera-to-world 4x4 row-major (OpenCV axes).</summary>
public sealed record RigCamera(int ViewNumber, double[] Intrinsics, double[] CameraToWorld, Vector3d Direction);

/// <summary>
/// A capture rig around the whole head: cameras on a band of elevations from −30° to +60° at every azimuth, looking
/// at the head, view 15 exactly frontal. Pre-training draws a few of them per identity at random, so the template sees
/// every side of some heads; the few-view selections of an unseen person (3 and 5 views) are taken from the frontal
/// cameras only (within <see cref="FewViewMaxAngle"/>° of the face direction), as a person photographing a face would.
/// Distance 8 XML units (600 mm).
/// </summary>
public static class HeadRig
{
    public const double Distance = 8.0;
    public const double FocalPerPixel = 1.9;
    public static readonly Vector3d Target = new(0, -0.1, -0.15);
    public const double MinElevation = -30, MaxElevation = 60, FewViewMaxAngle = 50;

    /// <summary>Principal-point offsets from the image centre (Agisoft style), as fractions of the width; non-zero on purpose so loaders must add W/2.</summary>
    public const double CxOffsetFraction = 0.01, CyOffsetFraction = -0.008;

    public static List<RigCamera> Cameras(int views, int resolution)
    {
        double f = FocalPerPixel * resolution;
        double cx = resolution / 2.0 + CxOffsetFraction * resolution, cy = resolution / 2.0 + CyOffsetFraction * resolution;
        double[] k = [f, 0, cx, 0, f, cy, 0, 0, 1];
        var dirs = new List<Vector3d>();
        // golden-angle spiral on the band of elevations, uniform in area; views-1 directions, the frontal one is
        // inserted as view 15
        int n = views - 1;
        double sinLo = Math.Sin(MinElevation * Math.PI / 180), sinHi = Math.Sin(MaxElevation * Math.PI / 180);
        double golden = Math.PI * (3 - Math.Sqrt(5));
        for (int i = 0; i < n; i++)
        {
            double sy = sinLo + (i + 0.5) / n * (sinHi - sinLo);
            double horizontal = Math.Sqrt(1 - sy * sy);
            double azimuth = 0.5 + i * golden;
            dirs.Add(new Vector3d(horizontal * Math.Sin(azimuth), sy, horizontal * Math.Cos(azimuth)));
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

    /// <summary>Well-spread subset of k views that always contains view 15 (farthest-point sampling over view
    /// directions); with <paramref name="maxAngle"/> only cameras within that many degrees of the face direction.</summary>
    public static int[] SpreadSelection(IReadOnlyList<RigCamera> cams, int k, double maxAngle = 180)
    {
        var frontal = cams.First(c => c.ViewNumber == PrDataset.FrontalView);
        var pool = cams.Where(c => Vector3d.Dot(c.Direction, frontal.Direction) >= Math.Cos(maxAngle * Math.PI / 180) - 1e-12).ToList();
        var chosen = new List<RigCamera> { frontal };
        while (chosen.Count < Math.Min(k, pool.Count))
        {
            var next = pool.Where(c => !chosen.Contains(c))
                .MaxBy(c => chosen.Min(s => Math.Acos(Math.Clamp(Vector3d.Dot(s.Direction, c.Direction), -1, 1))))!;
            chosen.Add(next);
        }
        return chosen.Select(c => c.ViewNumber).ToArray();
    }
}
