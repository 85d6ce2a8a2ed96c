using System.Numerics;
using HeadRecon.IO;
using HeadRecon.Models;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Formats.Gif;
using SixLabors.ImageSharp.PixelFormats;
using static TorchSharp.torch;

namespace HeadRecon.Visualization;

/// <summary>
/// Novel views along a path between two camera poses: rotation by quaternion slerp, camera centre moved on the
/// great circle around the look-at point (keeps the distance), intrinsics of the first pose.
/// </summary>
public static class Orbit
{
    /// <summary>Camera-to-world poses (4×4 row-major, OpenCV) from <paramref name="from"/> to <paramref name="to"/>, both ends included.</summary>
    public static IReadOnlyList<double[]> Interpolate(double[] from, double[] to, int frames, (double X, double Y, double Z) lookAt)
    {
        var q0 = Rotation(from);
        var q1 = Rotation(to);
        var c = new Vector3((float)lookAt.X, (float)lookAt.Y, (float)lookAt.Z);
        var o0 = new Vector3((float)from[3], (float)from[7], (float)from[11]) - c;
        var o1 = new Vector3((float)to[3], (float)to[7], (float)to[11]) - c;
        var poses = new List<double[]>();
        for (int i = 0; i < frames; i++)
        {
            float t = frames == 1 ? 0 : (float)i / (frames - 1);
            var q = Quaternion.Slerp(q0, q1, t);
            var m = Matrix4x4.CreateFromQuaternion(q);
            // Centre: slerp of the offset directions, lerp of the distances.
            float r = (1 - t) * o0.Length() + t * o1.Length();
            var dir = SlerpDirection(Vector3.Normalize(o0), Vector3.Normalize(o1), t);
            var centre = c + dir * r;
            // System.Numerics matrices are row-vector convention: rows of m are the rotated basis vectors.
            poses.Add([m.M11, m.M21, m.M31, centre.X, m.M12, m.M22, m.M32, centre.Y, m.M13, m.M23, m.M33, centre.Z, 0, 0, 0, 1]);
        }
        return poses;
    }

    static Vector3 SlerpDirection(Vector3 a, Vector3 b, float t)
    {
        float dot = Math.Clamp(Vector3.Dot(a, b), -1f, 1f);
        float theta = MathF.Acos(dot);
        if (theta < 1e-5f) return a;
        return (MathF.Sin((1 - t) * theta) * a + MathF.Sin(t * theta) * b) / MathF.Sin(theta);
    }

    static Quaternion Rotation(double[] c2w)
    {
        var m = new Matrix4x4(
            (float)c2w[0], (float)c2w[4], (float)c2w[8], 0,
            (float)c2w[1], (float)c2w[5], (float)c2w[9], 0,
            (float)c2w[2], (float)c2w[6], (float)c2w[10], 0,
            0, 0, 0, 1);
        return Quaternion.Normalize(Quaternion.CreateFromRotationMatrix(m));
    }

    /// <summary>Renders each pose (colour | normal map side by side) with the model in eval mode.</summary>
    public static List<Image<Rgb24>> Render(HeadModel model, int identity, IReadOnlyList<double[]> poses, double[] intrinsics3x3, int height, int width, int chunk = 2048)
    {
        var device = model.Background.device;
        var uv = new float[height * width * 2];
        for (int r = 0; r < height; r++)
            for (int c = 0; c < width; c++) { uv[2 * (r * width + c)] = c; uv[2 * (r * width + c) + 1] = r; }
        var frames = new List<Image<Rgb24>>();
        foreach (var pose in poses)
        {
            using var scope = NewDisposeScope();
            var batch = RayBatch.ForCamera(tensor(uv, [1, height * width, 2], device: device), intrinsics3x3, pose, identity, device);
            var img = ImageRenderer.Render(model, batch, height, width, chunk);
            frames.Add(Images.Strip(Images.FromRgb(img.Rgb, height, width), Images.FromNormals(img.Normals, height, width)));
        }
        return frames;
    }

    /// <summary>Writes frames as an endlessly looping animated GIF (delay in 1/100 s), atomically.</summary>
    public static void SaveGif(IReadOnlyList<Image<Rgb24>> frames, string path, int delayCentiseconds = 8)
    {
        if (frames.Count == 0) throw new ArgumentException("no frames");
        using var gif = frames[0].Clone();
        gif.Metadata.GetGifMetadata().RepeatCount = 0;
        gif.Frames.RootFrame.Metadata.GetGifMetadata().FrameDelay = delayCentiseconds;
        foreach (var f in frames.Skip(1))
        {
            var added = gif.Frames.AddFrame(f.Frames.RootFrame);
            added.Metadata.GetGifMetadata().FrameDelay = delayCentiseconds;
        }
        AtomicFile.Write(path, fs => gif.Save(fs, new GifEncoder()));
    }
}
