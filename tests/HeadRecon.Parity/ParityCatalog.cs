using HeadRecon.Parity.Checks;

namespace HeadRecon.Parity;

/// <summary>A named parity check; <see cref="Tolerance"/> says what it holds the device to.</summary>
/// <param name="Name">area/check[/case], e.g. "model/networks/stage2".</param>
/// <param name="CpuOnly">null when the check must hold on every device; otherwise why it only holds on the CPU (it still
/// runs elsewhere and its differences are reported, but it does not fail the run there).</param>
public sealed record ParityCheck(string Name, string Tolerance, Action<ParityContext> Run, string? CpuOnly = null);

/// <summary>
/// Every parity check against the original's reference vectors, in one list: the xunit tests run them on the CPU
/// (Category=Parity), the runner (<c>HeadRecon.Parity --device cuda</c>) on any device. The tolerances are the same on
/// every device: the reference vectors come from the original on a CPU, and a GPU's float32 rounding is of the
/// same order as the differences these tolerances already absorb.
/// </summary>
public static class ParityCatalog
{
    static readonly string[] Stages = ["stage1", "stage2"];

    public static IReadOnlyList<ParityCheck> All { get; } = Build();

    static List<ParityCheck> Build()
    {
        var list = new List<ParityCheck>();
        foreach (int l in new[] { 4, 6, 8 })
        {
            list.Add(new($"encoding/window-open/L{l}", "α 6 decimals, window 1e-6, encoding 1e-5", c => FieldChecks.EncodingWithWindowOpen(c, l)));
            list.Add(new($"encoding/window-partial/L{l}", "α 6 decimals, window 1e-6, encoding 1e-5", c => FieldChecks.EncodingWithPartialWindow(c, l)));
        }
        foreach (int row in new[] { 0, 1 })
            list.Add(new($"density/laplace/row{row}", "β 6 decimals, density 1e-5 + 1e-5·|ref|", c => RenderingChecks.Density(c, row)));
        list.Add(new("density/surface", "analytic σ(0) = 0.5/β, 4 decimals", RenderingChecks.DensityAtTheSurface));
        foreach (int b in new[] { 0, 1 })
            list.Add(new($"sampler/analytic-sphere/beta{b}", "SDF evaluations exact, depths 1e-4", c => RenderingChecks.AnalyticSphereDepths(c, b)));
        list.Add(new("loss/terms/stage2", "each term 1e-7 + 1e-5·|ref|", c => LossChecks.EveryTerm(c, stage2: true)));
        list.Add(new("loss/terms/stage1", "each term 1e-7 + 1e-5·|ref|", c => LossChecks.EveryTerm(c, stage2: false)));
        foreach (var s in Stages)
        {
            string file = s + ".npz";
            list.Add(new($"model/parameters/{s}", "names and count exact, shape codes exact, β 6 decimals", c => ModelChecks.ParametersLoadByTheirPyTorchNames(c, file)));
            list.Add(new($"model/geometric-init/{s}", "1e-4", c => ModelChecks.TemplateMatchesGeometricInitOutputs(c, file)));
            list.Add(new($"model/networks/{s}", "values 1e-4, gradients 1e-4 + 1e-4·|ref|", c => ModelChecks.NetworksMatchOnFixedPoints(c, file)));
            list.Add(new($"model/camera-rays/{s}", "1e-6", c => ModelChecks.CameraRaysMatch(c, file)));
            list.Add(new($"model/sampler-end-to-end/{s}", "depths 1e-3 (3 outliers), colours 1e-4, normal map 5e-4", c => ModelChecks.SamplerDepthsEndToEnd(c, file)));
            list.Add(new($"model/downstream-of-sampler/{s}", "1e-4 (gradients + 1e-4·|ref|)", c => ModelChecks.EverythingDownstreamOfTheSampler(c, file)));
        }
        return list;
    }

    /// <summary>The names that start with <paramref name="prefix"/> (for xunit's MemberData).</summary>
    public static IEnumerable<string> Names(string prefix) => All.Where(c => c.Name.StartsWith(prefix, StringComparison.Ordinal)).Select(c => c.Name);

    public static ParityCheck Get(string name) =>
        All.FirstOrDefault(c => c.Name == name) ?? throw new ArgumentException($"no parity check '{name}' (known: {string.Join(", ", All.Select(c => c.Name))})");
}
