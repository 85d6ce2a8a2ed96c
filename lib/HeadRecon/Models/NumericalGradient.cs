using static TorchSharp.torch;

namespace HeadRecon.Models;

/// <summary>
/// Central-difference spatial gradients of point fields (model.sdf_gradient = "numerical", cf. Neuralangelo):
/// ∂f/∂x_i ≈ (f(x + h·e_i) − f(x − h·e_i)) / 2h, error O(h²·f''').
/// </summary>
/// <remarks>
/// <para>Use: evaluate the fields once on <see cref="Stencil"/>(x, h) — the centre points and their six neighbours
/// stacked into one (7M, 3) batch, so each MLP layer is one large matrix product — then read the centre values with
/// <see cref="Centre"/> and the gradients with <see cref="Gradient(Tensor, double)"/>.</para>
/// <para>Cost trade-off against the analytic path (autograd.grad with create_graph, then a double backward through
/// it in the loss): the forward runs on 7× the points and the loss backward is an ordinary first-order backward
/// through those 7M points, with 7× the saved activations (memory). The analytic path runs the fields once, but
/// builds a second graph for ∇ₓ and the loss backward differentiates through it (each layer's backward-of-backward),
/// which costs several forward passes and is poorly parallelised on CPU. Which is faster depends on sizes and hardware:
/// measure with <c>headrecon bench --set model.sdf_gradient="numerical"</c> (docs/performance.md has the figures;
/// at the seed configurations it has been the slower one, with about twice the peak memory).</para>
/// <para>It is not the same gradient: the difference quotient sees the field at scale h. The deformation and
/// displacement networks are ReLU MLPs on positional encodings (up to 2⁵ and 2⁷ rad per unit), so at h = 1e-3 most
/// ±h segments straddle some unit's kink; with the quickstart networks the result deviates from the analytic
/// gradient by ~2 % (∇s₁) to ~10 % (∇δ) in relative norm (NumericalGradientTests), a smoothing, not noise: float32
/// rounding is ~5e-4 at this h and the O(h²) truncation is smaller still. Unlike the analytic ∇ₓ of a ReLU network
/// (piecewise constant), the differences also depend on its biases, so the gradient terms reach them.</para>
/// </remarks>
public static class NumericalGradient
{
    /// <summary>Points per centre point: the centre and x ± h·e_i for i = 0, 1, 2.</summary>
    public const int StencilSize = 7;

    /// <summary>
    /// The (7M, 3) evaluation points for centres <paramref name="x"/> (M, 3): block k (rows k·M … k·M + M − 1) is
    /// x + o_k with o = [0, +h·e₀, −h·e₀, +h·e₁, −h·e₁, +h·e₂, −h·e₂].
    /// </summary>
    public static Tensor Stencil(Tensor x, double h)
    {
        if (x.dim() != 2 || x.shape[1] != 3) throw new ArgumentException($"NumericalGradient.Stencil: expected points (M, 3), got ({string.Join(", ", x.shape)})");
        // Built on x's device (no host→device copy, which would wait for the GPU): rows 0, +h·e₀, −h·e₀, +h·e₁, … in float32.
        var hI = eye(3, dtype: float32, device: x.device) * (float)h;
        var offsets = cat([zeros(1, 3, dtype: float32, device: x.device), stack([hI, -hI], 1).reshape(6, 3)], 0).to(x.dtype).view(StencilSize, 1, 3);
        return (x.unsqueeze(0) + offsets).reshape(-1, 3);
    }

    /// <summary>The centre rows (M, C) of values (7M, C) evaluated on a <see cref="Stencil"/>.</summary>
    public static Tensor Centre(Tensor stacked) => stacked.narrow(0, 0, Rows(stacked));

    /// <summary>
    /// ∇ₓ of Σ_c f_c from values (7M, C) evaluated on a <see cref="Stencil"/> of step <paramref name="h"/>: (M, 3).
    /// For C = 1 the gradient of the scalar field; for C > 1 the gradient of the sum of the channels, i.e. what
    /// autograd.grad(f, x, grad_outputs = ones) gives (the deformation term ∇(Σ_i Δx_i)).
    /// </summary>
    public static Tensor Gradient(Tensor stacked, double h)
    {
        long m = Rows(stacked);
        var f = stacked.shape[1] == 1 ? stacked : stacked.sum(1, keepdim: true);
        var pm = f.narrow(0, m, 6 * m).reshape(3, 2, m);              // [axis, +/−, point]
        return ((pm.select(1, 0) - pm.select(1, 1)) / (2.0 * h)).t();  // (M, 3)
    }

    /// <summary>∇ₓ of Σ_c field(x)_c at <paramref name="x"/> (M, 3) by central differences, with one call of the field.</summary>
    public static Tensor Gradient(Func<Tensor, Tensor> field, Tensor x, double h) => Gradient(field(Stencil(x, h)), h);

    static long Rows(Tensor stacked)
    {
        if (stacked.dim() != 2 || stacked.shape[0] % StencilSize != 0)
            throw new ArgumentException($"NumericalGradient: expected values (7M, C) from a stencil, got ({string.Join(", ", stacked.shape)})");
        return stacked.shape[0] / StencilSize;
    }
}
