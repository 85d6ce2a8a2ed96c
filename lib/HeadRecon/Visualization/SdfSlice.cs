using HeadRecon.Models;
using static TorchSharp.torch;

namespace HeadRecon.Visualization;

/// <summary>An axis-aligned plane through the scene: which two world axes span it and where it cuts the third.</summary>
public enum SlicePlane { XY, XZ, YZ }

/// <summary>SDF values on a regular grid over an axis-aligned slice, for heat maps with the zero contour.</summary>
public sealed record SdfSliceResult(SlicePlane Plane, int Resolution, double Min, double Max, double Offset, float[] Values)
{
    /// <summary>Row-major, row 0 at the top (largest second-axis value), column 0 at Min of the first axis.</summary>
    public float this[int row, int col] => Values[row * Resolution + col];
}

public static class SdfSlice
{
    /// <param name="sdf">points (M, 3) → SDF (M, 1), e.g. <c>p => model.SdfValues(p, code)</c> or the template alone.</param>
    public static SdfSliceResult Evaluate(Func<Tensor, Tensor> sdf, SlicePlane plane, int resolution, double min, double max, double offset = 0, int chunk = 65536)
    {
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        var lin = linspace(min, max, resolution);
        var grid = meshgrid([lin.flip(0), lin], indexing: "ij"); // rows: second axis descending; cols: first axis
        var a = grid[1].flatten();
        var b = grid[0].flatten();
        var c = full_like(a, offset);
        var pts = plane switch
        {
            SlicePlane.XY => stack([a, b, c], 1),
            SlicePlane.XZ => stack([a, c, b], 1),
            _ => stack([c, a, b], 1),
        };
        var values = new float[pts.shape[0]];
        for (long s = 0; s < pts.shape[0]; s += chunk)
        {
            long len = Math.Min(chunk, pts.shape[0] - s);
            sdf(pts.narrow(0, s, len)).reshape(-1).cpu().data<float>().CopyTo(values, (int)s);
        }
        return new SdfSliceResult(plane, resolution, min, max, offset, values);
    }

    public static SdfSliceResult Evaluate(HeadModel model, int identity, SlicePlane plane, int resolution, double min, double max, double offset = 0)
    {
        var code = model.ShapeCode(identity);
        return Evaluate(p => model.SdfValues(p.to(code.device), code), plane, resolution, min, max, offset);
    }
}
