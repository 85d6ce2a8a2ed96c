using HeadRecon.Config;
using static TorchSharp.torch;

namespace HeadRecon.Rendering;

/// <summary>Depths chosen for each ray by <see cref="ErrorBoundedSampler"/>.</summary>
/// <param name="ZVals">(R, N_samples + 2 + N_samples_extra), sorted: what the volume rendering integrates over.</param>
/// <param name="ZSamples">(R, N_samples): the final inverse-CDF samples.</param>
/// <param name="ZSamplesEik">(R, 1): one random depth per ray (returned by the original, unused by its loss).</param>
/// <param name="Iterations">How many times Algorithm 1 evaluated the SDF.</param>
/// <param name="Limited">(R, 1) bool when an occupancy grid limited the rays: these rays end at the grid's last
/// occupied cell and space beyond counts as empty (the renderer gives their last sample no interval, not 1e10).</param>
public sealed record SamplerResult(Tensor ZVals, Tensor ZSamples, Tensor ZSamplesEik, int Iterations, Tensor? Limited = null);

/// <summary>
/// VolSDF's error-bounded sampler (Yariv et al. 2021, Algorithm 1): starting from uniform samples, find per ray
/// the smallest β⁺ ≥ β whose opacity error bound is ≤ ε (bisection), upsampling where the bound is large, then
/// draw the final samples by inverse CDF of the resulting weights and add near, far and some of the
/// existing samples. The SDF is evaluated without gradients, only at new samples.
/// </summary>
public sealed class ErrorBoundedSampler
{
    readonly RaySamplerOptions _o;
    public UniformSampler Uniform { get; }
    public double Near { get; }
    public double Far { get; }

    public ErrorBoundedSampler(RaySamplerOptions o, double sceneBoundingSphere)
    {
        _o = o;
        Near = o.Near;
        Far = 2.0 * sceneBoundingSphere;
        Uniform = new UniformSampler(Near, Far, o.NSamplesEval);
    }

    public RaySamplerOptions Options => _o;

    /// <summary>Samples per ray that <see cref="Sample"/> returns.</summary>
    public int SamplesPerRay => _o.NSamples + 2 + _o.NSamplesExtra;

    /// <param name="rayDirs">(R, 3) unit directions.</param>
    /// <param name="camLoc">(R, 3) ray origins.</param>
    /// <param name="sdf">points (M, 3) → SDF (M, 1); called under no_grad.</param>
    /// <param name="beta0">the density's current β (scalar).</param>
    /// <param name="training">jittered uniform samples, random final u and random extra samples; otherwise deterministic.</param>
    /// <param name="intervals">per-ray [near, far] from an <see cref="OccupancyGrid"/>; null = [near, far] for all (the original).</param>
    public SamplerResult Sample(Tensor rayDirs, Tensor camLoc, Func<Tensor, Tensor> sdf, Tensor beta0, bool training, Generator? generator = null,
        RayIntervals? intervals = null)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var device = rayDirs.device;
        long rays = rayDirs.shape[0];
        beta0 = beta0.detach().to(float32);
        float eps = (float)_o.Eps;

        var nearT = intervals?.Near ?? full(rays, 1, (float)Near, device: device);
        var farT = intervals?.Far ?? full(rays, 1, (float)Far, device: device);
        var zVals = Uniform.Sample(nearT, farT, training, generator);
        var samples = zVals;
        Tensor? samplesIdx = null;
        Tensor sdfAll = zVals; // assigned on the first iteration

        var dists = zVals.narrow(1, 1, zVals.shape[1] - 1) - zVals.narrow(1, 0, zVals.shape[1] - 1);
        var bound = (1.0f / (4.0f * log(tensor((float)(_o.Eps + 1.0))))) * dists.pow(2.0).sum(-1);
        var beta = sqrt(bound);

        int totalIters = 0;
        bool notConverge = true;
        Tensor dStar = zVals, weights = zVals, transmittance = zVals;

        while (notConverge && totalIters < _o.MaxTotalIters)
        {
            var points = camLoc.unsqueeze(1) + samples.unsqueeze(2) * rayDirs.unsqueeze(1);
            var samplesSdf = Chunked(sdf, points.reshape(-1, 3), _o.SdfChunk);
            if (samplesIdx is not null)
            {
                var merge = cat([sdfAll.reshape(rays, zVals.shape[1] - samples.shape[1]), samplesSdf.reshape(rays, samples.shape[1])], -1);
                sdfAll = gather(merge, 1, samplesIdx).reshape(-1, 1);
            }
            else
            {
                sdfAll = samplesSdf;
            }

            // Bound d* on the distance to the surface inside each interval (Theorem 1).
            var d = sdfAll.reshape(zVals.shape);
            long n = zVals.shape[1];
            dists = zVals.narrow(1, 1, n - 1) - zVals.narrow(1, 0, n - 1);
            var a = dists;
            var b = d.narrow(1, 0, n - 1).abs();
            var c = d.narrow(1, 1, n - 1).abs();
            var firstCond = a.pow(2) + b.pow(2) <= c.pow(2);
            var secondCond = a.pow(2) + c.pow(2) <= b.pow(2);
            dStar = zeros(rays, n - 1, device: device);
            dStar = where(firstCond, b, dStar);
            dStar = where(secondCond, c, dStar);
            var s = (a + b + c) / 2.0f;
            var areaBeforeSqrt = s * (s - a) * (s - b) * (s - c);
            var mask = firstCond.logical_not() & secondCond.logical_not() & ((b + c - a) > 0);
            dStar = where(mask, (2.0f * sqrt(areaBeforeSqrt)) / a, dStar);
            dStar = (d.narrow(1, 1, n - 1).sign() * d.narrow(1, 0, n - 1).sign() == 1).to(float32) * dStar;

            // Line search for β⁺ (bisection between β and the current upper bound).
            var currError = ErrorBound(beta0, d, dists, dStar);
            beta = where(currError <= eps, beta0.expand_as(beta), beta);
            var betaMin = beta0.unsqueeze(0).repeat(rays);
            var betaMax = beta;
            for (int j = 0; j < _o.BetaIters; j++)
            {
                var betaMid = (betaMin + betaMax) / 2.0f;
                currError = ErrorBound(betaMid.unsqueeze(-1), d, dists, dStar);
                var ok = currError <= eps;
                betaMax = where(ok, betaMid, betaMax);
                betaMin = where(ok.logical_not(), betaMid, betaMin);
            }
            beta = betaMax;

            // Weights with β⁺.
            var density = LaplaceDensity.Density(d, beta.unsqueeze(-1));
            var distsFull = cat([dists, full(rays, 1, 1e10f, device: device)], -1);
            var freeEnergy = distsFull * density;
            var shifted = cat([zeros(rays, 1, device: device), freeEnergy.narrow(1, 0, n - 1)], -1);
            var alpha = 1 - exp(-freeEnergy);
            transmittance = exp(-cumsum(shifted, -1));
            weights = alpha * transmittance;

            totalIters++;
            notConverge = (beta.max() > beta0).item<bool>();

            Tensor bins = zVals, cdf;
            int count;
            bool upsample = notConverge && totalIters < _o.MaxTotalIters;
            if (upsample)
            {
                // More samples where the opacity error bound is large: N_samples_eval while training, N_samples at eval
                // (what the original does; the reference z-values confirm it).
                count = training ? _o.NSamplesEval : _o.NSamples;
                var bu = beta.unsqueeze(-1);
                var errorPerSection = exp(-dStar / bu) * distsFull.narrow(1, 0, n - 1).pow(2.0) / (4 * bu.pow(2));
                var errorIntegral = cumsum(errorPerSection, -1);
                var boundOpacity = (clamp(exp(errorIntegral), max: 1.0e6) - 1.0f) * transmittance.narrow(1, 0, n - 1);
                var pdf = boundOpacity + (float)_o.AddTiny;
                pdf = pdf / sum(pdf, -1, true);
                cdf = cumsum(pdf, -1);
                cdf = cat([zeros_like(cdf.narrow(1, 0, 1)), cdf], -1);
            }
            else
            {
                // The final samples, distributed as the weights.
                count = _o.NSamples;
                var pdf = weights.narrow(1, 0, n - 1) + 1e-5f;
                pdf = pdf / sum(pdf, -1, true);
                cdf = cumsum(pdf, -1);
                cdf = cat([zeros_like(cdf.narrow(1, 0, 1)), cdf], -1);
            }

            Tensor u = upsample || !training
                ? linspace(0.0, 1.0, count, device: device).unsqueeze(0).repeat(cdf.shape[0], 1)
                : RandomDraws.Uniform([cdf.shape[0], count], generator, device);
            u = u.contiguous();
            samples = InvertCdf(cdf, bins, u);

            if (upsample)
            {
                var (sorted, idx) = sort(cat([zVals, samples], -1), -1);
                zVals = sorted;
                samplesIdx = idx;
            }
        }

        var zSamples = samples;
        Tensor zValsExtra;
        if (_o.NSamplesExtra > 0)
        {
            Tensor samplingIdx = training
                ? RandomDraws.Permutation(zVals.shape[1], generator, device).narrow(0, 0, _o.NSamplesExtra)
                : linspace(0, zVals.shape[1] - 1, _o.NSamplesExtra, device: device).to(int64);
            zValsExtra = cat([nearT, farT, zVals.index_select(1, samplingIdx)], -1);
        }
        else
        {
            zValsExtra = cat([nearT, farT], -1);
        }
        var (zFinal, _) = sort(cat([zSamples, zValsExtra], -1), -1);
        var eikIdx = RandomDraws.Integers(zFinal.shape[1], [rays], generator, device);
        var zEik = gather(zFinal, 1, eikIdx.unsqueeze(-1));
        return new SamplerResult(zFinal.MoveToOuterDisposeScope(), zSamples.MoveToOuterDisposeScope(), zEik.MoveToOuterDisposeScope(), totalIters,
            intervals?.Hit); // the caller's tensor, already in the caller's scope
    }

    /// <summary>Evaluates <paramref name="sdf"/> on at most <paramref name="chunk"/> points at a time.</summary>
    static Tensor Chunked(Func<Tensor, Tensor> sdf, Tensor points, int chunk)
    {
        long n = points.shape[0];
        if (chunk <= 0 || n <= chunk) return sdf(points);
        var parts = new List<Tensor>();
        for (long start = 0; start < n; start += chunk)
        {
            using var scope = NewDisposeScope();
            parts.Add(sdf(points.narrow(0, start, Math.Min(chunk, n - start))).MoveToOuterDisposeScope());
        }
        return cat(parts, 0);
    }

    static Tensor InvertCdf(Tensor cdf, Tensor bins, Tensor u)
    {
        var inds = searchsorted(cdf, u, right: true);
        var below = maximum(zeros_like(inds - 1), inds - 1);
        var above = minimum((cdf.shape[^1] - 1) * ones_like(inds), inds);
        var indsG = stack([below, above], -1);
        long[] matched = [indsG.shape[0], indsG.shape[1], cdf.shape[^1]];
        var cdfG = gather(cdf.unsqueeze(1).expand(matched), 2, indsG);
        var binsG = gather(bins.unsqueeze(1).expand(matched), 2, indsG);
        var denom = cdfG.select(-1, 1) - cdfG.select(-1, 0);
        denom = where(denom < 1e-5f, ones_like(denom), denom);
        var t = (u - cdfG.select(-1, 0)) / denom;
        return binsG.select(-1, 0) + t * (binsG.select(-1, 1) - binsG.select(-1, 0));
    }

    /// <summary>Max over each ray of the opacity error bound B for a given β (scalar or (R, 1)).</summary>
    static Tensor ErrorBound(Tensor beta, Tensor sdf, Tensor dists, Tensor dStar)
    {
        long rays = sdf.shape[0], n = sdf.shape[1];
        var density = LaplaceDensity.Density(sdf, beta);
        var shifted = cat([zeros(rays, 1, device: sdf.device), dists * density.narrow(1, 0, n - 1)], -1);
        var integral = cumsum(shifted, -1);
        var errorPerSection = exp(-dStar / beta) * dists.pow(2.0) / (4 * beta.pow(2));
        var errorIntegral = cumsum(errorPerSection, -1);
        var boundOpacity = (clamp(exp(errorIntegral), max: 1.0e6) - 1.0f) * exp(-integral.narrow(1, 0, n - 1));
        return boundOpacity.max(-1).values;
    }
}
