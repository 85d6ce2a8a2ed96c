using HeadRecon.Fields;
using static TorchSharp.torch;

namespace HeadRecon.Parity.Checks;

/// <summary>Positional encoding (embedder.npz): the window and the encoding for L = 4, 6, 8.</summary>
public static class FieldChecks
{
    /// <summary>Window fully open (what every network of the original does at construction): window 1e-6, encoding 1e-5.</summary>
    public static void EncodingWithWindowOpen(ParityContext ctx, int multires)
    {
        var r = ctx.Reference("embedder.npz");
        var pe = new PositionalEncoding(multires);
        pe.UpdateAlpha(1000);
        ctx.Equal(r[$"alpha_multires{multires}"].Scalar(), pe.Alpha, 6, "alpha");
        ctx.Close(r.T($"window_multires{multires}"), tensor(Enumerable.Range(0, multires).Select(pe.Window).ToArray()), 1e-6, what: "window");
        ctx.Close(r.T($"pe_multires{multires}"), pe.Encode(r.T("x")), 1e-5, what: $"pe L={multires}");
        ctx.Exact(3 + 6 * multires, pe.OutputDims, "output dims");
    }

    /// <summary>Window partly closed (α = −0.5 of the schedule): window 1e-6, encoding 1e-5.</summary>
    public static void EncodingWithPartialWindow(ParityContext ctx, int multires)
    {
        var r = ctx.Reference("embedder.npz");
        var pe = new PositionalEncoding(multires);
        pe.UpdateAlpha(-0.5);
        ctx.Equal(r[$"alpha_partial_multires{multires}"].Scalar(), pe.Alpha, 6, "alpha");
        ctx.Close(r.T($"window_partial_multires{multires}"), tensor(Enumerable.Range(0, multires).Select(pe.Window).ToArray()), 1e-6, what: "window");
        ctx.Close(r.T($"pe_partial_multires{multires}"), pe.Encode(r.T("x")), 1e-5, what: $"pe partial L={multires}");
    }
}
