using static TorchSharp.torch;

namespace HeadRecon.Rendering;

/// <summary>
/// Pixel rays for pinhole cameras in the OpenCV convention (x right, y down, z forward), as VolSDF's
/// rend_util.get_camera_params: lift (u, v) at depth 1 through K⁻¹ (with skew), rotate by the camera-to-world
/// pose, normalise. uv are (column, row), integer-valued, no +0.5.
/// </summary>
public static class CameraRays
{
    /// <param name="uv">(B, N, 2)</param>
    /// <param name="pose">(B, 4, 4) camera-to-world</param>
    /// <param name="intrinsics">(B, 4, 4) with fx, skew, cx in row 0 and fy, cy in row 1</param>
    /// <returns>ray directions (B, N, 3), unit; camera centres (B, 3)</returns>
    public static (Tensor RayDirs, Tensor CamLoc) Compute(Tensor uv, Tensor pose, Tensor intrinsics)
    {
        using var scope = NewDisposeScope();
        long b = uv.shape[0], n = uv.shape[1];
        var camLoc = pose.narrow(1, 0, 3).select(2, 3);
        var x = uv.select(2, 0).view(b, -1);
        var y = uv.select(2, 1).view(b, -1);
        var z = ones(b, n, device: uv.device);
        var fx = intrinsics[.., 0, 0].unsqueeze(-1);
        var fy = intrinsics[.., 1, 1].unsqueeze(-1);
        var cx = intrinsics[.., 0, 2].unsqueeze(-1);
        var cy = intrinsics[.., 1, 2].unsqueeze(-1);
        var sk = intrinsics[.., 0, 1].unsqueeze(-1);
        var xLift = (x - cx + cy * sk / fy - sk * y / fy) / fx * z;
        var yLift = (y - cy) / fy * z;
        var pixelPointsCam = stack([xLift, yLift, z, ones_like(z)], -1).permute(0, 2, 1);
        var world = bmm(pose, pixelPointsCam).permute(0, 2, 1).narrow(2, 0, 3);
        var dirs = nn.functional.normalize(world - camLoc.unsqueeze(1), 2.0, 2);
        return (dirs.MoveToOuterDisposeScope(), camLoc.MoveToOuterDisposeScope());
    }
}
