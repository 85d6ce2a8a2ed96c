using HeadRecon.Config;

namespace HeadRecon.Models;

/// <summary>
/// The positional encodings' window α by training iteration. The original adds model.pe_alpha once to α = 1 when the
/// network is built and clamps (spec §1.4): any value ≥ 0, as in every released conf, opens every band for good, −1 or
/// less closes them. The extension train.pe_alpha_iters &gt; 0 moves α linearly from train.pe_alpha_start to 1 over that
/// many iterations instead (a coarse-to-fine schedule).
/// </summary>
public sealed record EncodingWindow(double InitialAlpha, int Iterations = 0, double Start = 1.0)
{
    /// <summary>The original: α = clamp(1 + pe_alpha, 0, 1) throughout.</summary>
    public static EncodingWindow Fixed(double peAlpha) => new(Math.Clamp(1.0 + peAlpha, 0.0, 1.0));

    /// <summary>model.pe_alpha with the train.pe_alpha_iters / pe_alpha_start schedule of <paramref name="conf"/>.</summary>
    public static EncodingWindow From(HeadConf conf) => Fixed(conf.Model.PeAlpha) with { Iterations = conf.Train.PeAlphaIters, Start = conf.Train.PeAlphaStart };

    /// <summary>α at <paramref name="iteration"/>.</summary>
    public double Alpha(int iteration) => Iterations <= 0 ? InitialAlpha : Start + (1.0 - Start) * Math.Min(1.0, (double)iteration / Iterations);
}
