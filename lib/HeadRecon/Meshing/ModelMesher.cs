using HeadRecon.Models;
using static TorchSharp.torch;

namespace HeadRecon.Meshing;

/// <summary>What to mesh: the identity's final SDF (default) or the shared template alone.</summary>
public enum MeshSource { Final, Template }

/// <summary>
/// Marching cubes on a trained model's SDF (the original's get_surface_trace): the grid is queried in chunks under
/// no_grad, so memory is bounded by the chunk size, at level 0 over [min, max]³ in the model's (normalised) frame.
/// </summary>
public static class ModelMesher
{
    /// <remarks>
    /// The SDF is evaluated near the surface only (<see cref="MarchingCubes.ExtractNarrowBand"/>): the same mesh as the
    /// dense grid for an SDF of slope ≤ 1.5 (the eikonal term trains it to about 1); <paramref name="dense"/> evaluates every point.
    /// </remarks>
    public static Mesh Extract(HeadModel model, int identity, double min, double max, int resolution,
        MeshSource source = MeshSource.Final, int chunkPoints = 65536, bool dense = false)
    {
        var device = model.Background.device;
        var code = model.ShapeCode(identity);
        bool wasTraining = model.training;
        model.eval();
        try
        {
            float[] Sdf(float[] points)
            {
                using var scope = NewDisposeScope();
                using var _ = no_grad();
                var p = tensor(points, [points.Length / 3, 3]).to(device);
                var s = source == MeshSource.Template ? model.DeformTempGeoNetwork.TemplateSdf(p) : model.SdfValues(p, code);
                return s.reshape(-1).cpu().data<float>().ToArray();
            }
            return dense
                ? MarchingCubes.ExtractFromFunction(Sdf, [min, min, min], [max, max, max], resolution, chunkPoints)
                : MarchingCubes.ExtractNarrowBand(Sdf, [min, min, min], [max, max, max], resolution, out _, chunkPoints: chunkPoints);
        }
        finally
        {
            if (wasTraining) model.train();
        }
    }

    /// <summary>
    /// Vertex colours from the colour network, shading each vertex as seen head-on (view direction = −normal),
    /// with the SDF gradient as normal input as in training.
    /// </summary>
    public static Mesh WithColors(Mesh mesh, HeadModel model, int identity, int chunk = 16384)
    {
        var device = model.Background.device;
        var ids = tensor(new long[] { identity }, device: device);
        var (shapeCode, colorCode) = model.Codes(ids);
        var colors = new byte[mesh.VertexCount * 3];
        for (int start = 0; start < mesh.VertexCount; start += chunk)
        {
            using var scope = NewDisposeScope();
            int n = Math.Min(chunk, mesh.VertexCount - start);
            var p = tensor(mesh.Vertices.AsSpan(start * 3, n * 3).ToArray(), [n, 3]).to(device);
            GeometrySample g;
            using (enable_grad()) g = model.EvaluateGeometry(p, shapeCode.detach(), training: false);
            using var _ = no_grad();
            var normals = g.Normals.detach();
            var view = -nn.functional.normalize(normals, 2.0, 1);
            var features = cat([g.Features.detach(), colorCode.detach().expand(n, colorCode.shape[1])], 1);
            var rgb = model.Color.forward(p, normals, view, features);
            var bytes = (rgb * 255).round().clamp(0, 255).to(uint8).cpu().data<byte>().ToArray();
            Array.Copy(bytes, 0, colors, start * 3, bytes.Length);
        }
        return mesh.WithColors(colors);
    }
}
