using static TorchSharp.torch;

namespace HeadRecon.Models;

/// <summary>Pixels of one image to render: uv (1, N, 2) as (column, row), pose (1, 4, 4) camera-to-world (OpenCV),
/// intrinsics (1, 4, 4), identity index (1,) int64.</summary>
public sealed record RayBatch(Tensor Uv, Tensor Pose, Tensor Intrinsics, Tensor Identity)
{
    public long RayCount => Uv.shape[1];

    /// <summary>The identity index on the host, when the batch's maker knows it: reading <see cref="Identity"/> back
    /// from a GPU waits for the device.</summary>
    public long? IdentityIndex { get; init; }
}

/// <summary>Geometry at sample points, with the gradients the colour network and the losses need.</summary>
/// <param name="Sdf">(M, 1) the final SDF: s₁ in stage 1, s₁ + δ in stage 2 (what the density sees).</param>
/// <param name="Normals">(M, 3) ∇ₓ of the final SDF, raw (not normalised): the colour network's normal input.</param>
/// <param name="GradTheta">(M, 3) ∇ₓ s₁ (template ∘ deformation): the eikonal term's input.</param>
/// <param name="DeltaX">(M, 3) deformation offsets.</param>
/// <param name="GradDeform">(M, 3) ∇ₓ Σ_k Δx_k (= Jᵀ·1), training only.</param>
/// <param name="Features">(M, F) geometry features in the original's order (f_def, f_T[, f_disp]).</param>
/// <param name="DeltaSdf">(M, 1) displacement δ, stage 2 only.</param>
/// <param name="DeltaSdfGrad">(M, 3) ∇ₓ δ, stage 2 only.</param>
public sealed record GeometrySample(Tensor Sdf, Tensor Normals, Tensor GradTheta, Tensor DeltaX, Tensor? GradDeform, Tensor Features, Tensor? DeltaSdf, Tensor? DeltaSdfGrad);

/// <summary>Everything one forward pass produces: the rendering and every loss input.</summary>
public sealed record RenderOutputs(
    Tensor RgbValues,
    Tensor? NormalMap,
    Tensor Weights,
    Tensor ZVals,
    Tensor Points,
    Tensor RgbSamples,
    GeometrySample Geometry,
    Tensor ShapeCode,
    Tensor ColorCode,
    int SamplerIterations)
{
    public Tensor AccMap => Weights.sum(-1);
}
