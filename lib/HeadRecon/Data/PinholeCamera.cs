namespace HeadRecon.Data;

/// <summary>Plain-double ray generation matching VolSDF's get_camera_params (OpenCV convention, skew-aware lift).</summary>
public static class PinholeCamera
{
    /// <summary>
    /// For n pixels uv (column,row) returns the shared origin (camera centre) and n*3 unit world directions:
    /// d_cam = ((u - cx - skew*(v-cy)/fy)/fx, (v - cy)/fy, 1), d_world = normalize(R_c2w d_cam).
    /// </summary>
    public static (double[] Origin, double[] Directions) Compute(HeadView view, float[] uv)
        => Compute(view.Intrinsics, view.CameraToWorld, uv);

    public static (double[] Origin, double[] Directions) Compute(double[] k, double[] c2w, float[] uv)
    {
        int n = uv.Length / 2;
        double fx = k[0], skew = k[1], cx = k[2], fy = k[4], cy = k[5];
        var dirs = new double[n * 3];
        for (int i = 0; i < n; i++)
        {
            double u = uv[2 * i], v = uv[2 * i + 1];
            double yc = (v - cy) / fy;
            double xc = (u - cx - skew * yc) / fx;
            double dx = c2w[0] * xc + c2w[1] * yc + c2w[2];
            double dy = c2w[4] * xc + c2w[5] * yc + c2w[6];
            double dz = c2w[8] * xc + c2w[9] * yc + c2w[10];
            double len = Math.Sqrt(dx * dx + dy * dy + dz * dz);
            dirs[3 * i] = dx / len;
            dirs[3 * i + 1] = dy / len;
            dirs[3 * i + 2] = dz / len;
        }
        return ([c2w[3], c2w[7], c2w[11]], dirs);
    }

    /// <summary>Projects a world point to pixel coordinates (column,row); returns depth along the optical axis too (negative = behind).</summary>
    public static (double U, double V, double Depth) Project(HeadView view, double x, double y, double z)
        => Project(view.Intrinsics, view.CameraToWorld, x, y, z);

    public static (double U, double V, double Depth) Project(double[] k, double[] c2w, double x, double y, double z)
    {
        // world->camera = R^T (p - C)
        double px = x - c2w[3], py = y - c2w[7], pz = z - c2w[11];
        double xc = c2w[0] * px + c2w[4] * py + c2w[8] * pz;
        double yc = c2w[1] * px + c2w[5] * py + c2w[9] * pz;
        double zc = c2w[2] * px + c2w[6] * py + c2w[10] * pz;
        double xn = xc / zc, yn = yc / zc;
        return (k[0] * xn + k[1] * yn + k[2], k[4] * yn + k[5], zc);
    }

    /// <summary>World-to-camera rotation Rᵀ (row-major 3×3) and translation −Rᵀ·C of an OpenCV camera-to-world [R | C].</summary>
    public static (double[] Rotation, double[] Translation) WorldToCamera(double[] c2w)
    {
        double[] r = [c2w[0], c2w[4], c2w[8], c2w[1], c2w[5], c2w[9], c2w[2], c2w[6], c2w[10]];
        double[] t =
        [
            -(r[0] * c2w[3] + r[1] * c2w[7] + r[2] * c2w[11]),
            -(r[3] * c2w[3] + r[4] * c2w[7] + r[5] * c2w[11]),
            -(r[6] * c2w[3] + r[7] * c2w[7] + r[8] * c2w[11]),
        ];
        return (r, t);
    }

    /// <summary>P = K·[R | t] (world → pixels), row-major 3×4, from K and an OpenCV camera-to-world.</summary>
    public static double[] Projection(double[] k, double[] c2w)
    {
        var (r, t) = WorldToCamera(c2w);
        var p = new double[12];
        for (int row = 0; row < 3; row++)
            for (int col = 0; col < 4; col++)
                for (int j = 0; j < 3; j++) p[row * 4 + col] += k[row * 3 + j] * (col < 3 ? r[j * 3 + col] : t[j]);
        return p;
    }

    /// <summary>
    /// Least-squares point nearest to every camera's optical axis (camera +z through its centre): where a set of
    /// cameras looks. Null when the axes are (nearly) parallel or fewer than two cameras are given.
    /// </summary>
    public static double[]? ClosestPointToOpticalAxes(IEnumerable<double[]> cameraToWorlds)
    {
        var a = new double[9];
        var b = new double[3];
        int count = 0;
        foreach (var m in cameraToWorlds)
        {
            count++;
            double[] d = [m[2], m[6], m[10]];
            double n = Math.Sqrt(d[0] * d[0] + d[1] * d[1] + d[2] * d[2]);
            for (int i = 0; i < 3; i++) d[i] /= n;
            double[] o = [m[3], m[7], m[11]];
            for (int i = 0; i < 3; i++)
                for (int j = 0; j < 3; j++)
                {
                    double p = (i == j ? 1 : 0) - d[i] * d[j];
                    a[i * 3 + j] += p;
                    b[i] += p * o[j];
                }
        }
        return count < 2 ? null : LinearAlgebra.Solve3(a, b);
    }
}
