using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;
using DMesh = HeadRecon.Meshing.Mesh;

namespace HeadRecon.Notebooks;

/// <summary>
/// A turntable of a mesh: a small z-buffered rasteriser with Lambert shading (or the mesh's vertex colours),
/// orthographic, orbiting about the vertical axis, written as a looping GIF. CPU only and independent of the
/// model, so it costs milliseconds even for the paper's meshes.
/// </summary>
public static class NotebookTurntable
{
    /// <summary>Renders <paramref name="frames"/> views orbiting about the y axis (up in the heads' frame), the first one
    /// facing the face (+z side), looking along −z.</summary>
    public static IReadOnlyList<Image<Rgba32>> Frames(DMesh mesh, int frames = 24, int size = 160, bool useColors = true)
    {
        var result = new List<Image<Rgba32>>();
        if (mesh.VertexCount == 0)
        {
            for (int f = 0; f < frames; f++) result.Add(new Image<Rgba32>(size, size, new Rgba32(255, 255, 255)));
            return result;
        }
        var (lo, hi) = mesh.Bounds();
        double cx = (lo.X + hi.X) / 2, cy = (lo.Y + hi.Y) / 2, cz = (lo.Z + hi.Z) / 2;
        double radius = 0;
        for (int i = 0; i < mesh.VertexCount; i++)
            radius = Math.Max(radius, Math.Sqrt(Math.Pow(mesh.Vertices[3 * i] - cx, 2) + Math.Pow(mesh.Vertices[3 * i + 1] - cy, 2) + Math.Pow(mesh.Vertices[3 * i + 2] - cz, 2)));
        double scale = size * 0.48 / Math.Max(radius, 1e-9);
        var normals = mesh.VertexNormals();
        for (int f = 0; f < frames; f++)
        {
            // Object turned by a + π, then seen by a camera looking along +z with its image x and y flipped (world y up):
            // a proper rotation, so the turntable is not mirrored, and frame 0 shows the face.
            double a = 2 * Math.PI * f / frames + Math.PI, ca = Math.Cos(a), sa = Math.Sin(a);
            var sx = new double[mesh.VertexCount]; var sy = new double[mesh.VertexCount]; var sz = new double[mesh.VertexCount];
            var shade = new double[mesh.VertexCount];
            for (int i = 0; i < mesh.VertexCount; i++)
            {
                double x = mesh.Vertices[3 * i] - cx, y = mesh.Vertices[3 * i + 1] - cy, z = mesh.Vertices[3 * i + 2] - cz;
                double rx = ca * x + sa * z, rz = -sa * x + ca * z;
                sx[i] = size / 2.0 - rx * scale; sy[i] = size / 2.0 - y * scale; sz[i] = rz;
                double nx = normals[3 * i], nz = normals[3 * i + 2];
                double rnz = -sa * nx + ca * nz;
                // The viewer looks along +z after rotation, so a surface facing it has normal z < 0.
                shade[i] = 0.25 + 0.75 * Math.Max(0, -rnz);
            }
            var depth = new double[size * size];
            Array.Fill(depth, double.PositiveInfinity);
            var img = new Image<Rgba32>(size, size, new Rgba32(255, 255, 255));
            for (int t = 0; t < mesh.FaceCount; t++)
            {
                int i0 = mesh.Faces[3 * t], i1 = mesh.Faces[3 * t + 1], i2 = mesh.Faces[3 * t + 2];
                double x0 = sx[i0], y0 = sy[i0], x1 = sx[i1], y1 = sy[i1], x2 = sx[i2], y2 = sy[i2];
                double area = (x1 - x0) * (y2 - y0) - (x2 - x0) * (y1 - y0);
                if (Math.Abs(area) < 1e-12) continue;
                int minX = Math.Max(0, (int)Math.Floor(Math.Min(x0, Math.Min(x1, x2)))), maxX = Math.Min(size - 1, (int)Math.Ceiling(Math.Max(x0, Math.Max(x1, x2))));
                int minY = Math.Max(0, (int)Math.Floor(Math.Min(y0, Math.Min(y1, y2)))), maxY = Math.Min(size - 1, (int)Math.Ceiling(Math.Max(y0, Math.Max(y1, y2))));
                for (int py = minY; py <= maxY; py++)
                    for (int px = minX; px <= maxX; px++)
                    {
                        double qx = px + 0.5, qy = py + 0.5;
                        double w0 = ((x1 - qx) * (y2 - qy) - (x2 - qx) * (y1 - qy)) / area;
                        double w1 = ((x2 - qx) * (y0 - qy) - (x0 - qx) * (y2 - qy)) / area;
                        double w2 = 1 - w0 - w1;
                        if (w0 < 0 || w1 < 0 || w2 < 0) continue;
                        double d = w0 * sz[i0] + w1 * sz[i1] + w2 * sz[i2];
                        int k = py * size + px;
                        if (d >= depth[k]) continue;
                        depth[k] = d;
                        double s = w0 * shade[i0] + w1 * shade[i1] + w2 * shade[i2];
                        double r = 200, g = 200, b = 200;
                        if (useColors && mesh.Colors is { } c)
                        {
                            r = w0 * c[3 * i0] + w1 * c[3 * i1] + w2 * c[3 * i2];
                            g = w0 * c[3 * i0 + 1] + w1 * c[3 * i1 + 1] + w2 * c[3 * i2 + 1];
                            b = w0 * c[3 * i0 + 2] + w1 * c[3 * i1 + 2] + w2 * c[3 * i2 + 2];
                        }
                        img[px, py] = new Rgba32((byte)Math.Clamp(r * s, 0, 255), (byte)Math.Clamp(g * s, 0, 255), (byte)Math.Clamp(b * s, 0, 255));
                    }
            }
            result.Add(img);
        }
        return result;
    }

    /// <summary>A looping GIF of the turntable (delay in 1/100 s per frame).</summary>
    public static byte[] Gif(DMesh mesh, int frames = 24, int size = 160, int delay = 8, bool useColors = true)
    {
        var images = Frames(mesh, frames, size, useColors);
        using var gif = new Image<Rgba32>(size, size);
        gif.Metadata.GetGifMetadata().RepeatCount = 0;
        foreach (var frame in images)
        {
            frame.Frames.RootFrame.Metadata.GetGifMetadata().FrameDelay = delay;
            gif.Frames.AddFrame(frame.Frames.RootFrame);
            frame.Dispose();
        }
        gif.Frames.RemoveFrame(0);
        using var ms = new MemoryStream();
        gif.SaveAsGif(ms);
        return ms.ToArray();
    }
}
