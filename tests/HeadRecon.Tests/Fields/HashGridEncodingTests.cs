using HeadRecon.Config;
using HeadRecon.Fields;
using HeadRecon.Models;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;

namespace HeadRecon.Tests.Fields;

/// <summary>The multiresolution hash encoding of the stage-2 displacement field (encoding = "hashgrid").</summary>
[Collection("GlobalTorchRng")]
public class HashGridEncodingTests
{
    static HashGridEncodingTests() => HeadRecon.Runtime.TorchRuntime.Initialize();

    static string Quickstart2 => Path.Combine(AppContext.BaseDirectory, "confs", "quickstart_st2.conf");

    /// <summary>Uniform points in [−extent, extent]³, float64.</summary>
    static Tensor Points(int n, double extent, ulong seed)
    {
        var g = new Generator(seed);
        return (rand(n, 3, dtype: float64, generator: g) * 2 - 1) * extent;
    }

    [Fact]
    public void OutputShapeAndStateNames()
    {
        var o = new HashGridOptions();
        var enc = new HashGridEncoding(o);
        Assert.Equal(32, enc.OutputDims);
        Assert.Equal(1L << 17, enc.TableSize);
        Assert.Equal(new[] { 16, 21, 27, 36, 48, 64, 84, 111, 147, 194, 256, 337, 445, 588, 776, 1024 }, enc.Resolutions);
        Assert.Equal(5, enc.DenseLevels); // 49³ ≤ 2^17 < 65³
        var sd = enc.state_dict();
        Assert.Equal(new[] { "embeddings" }, sd.Keys);
        Assert.Equal([16L * (1L << 17), 2L], sd["embeddings"].shape);
        Assert.True(enc.Embeddings.abs().max().item<float>() <= (float)o.InitScale);
        Assert.True(enc.Embeddings.abs().max().item<float>() > 0);

        using (no_grad())
        {
            var y = enc.forward(Points(37, 0.6, 1).to(float32));
            Assert.Equal([37L, 32L], y.shape);
            Assert.Equal(float32, y.dtype);
        }

        // Inside the displacement field: registered as hash_grid, the MLP's input is H(x) ⊕ features.
        var field = new DisplacementField(new DisplacementNetworkOptions { Encoding = "hashgrid" }, geometryFeatureDim: 10);
        Assert.Null(field.Encoding);
        Assert.NotNull(field.HashGrid);
        var fsd = field.state_dict();
        Assert.Contains("hash_grid.embeddings", fsd.Keys);
        Assert.Equal([256L, 32L + 10L], fsd["lin0.weight_v"].shape);
        using (no_grad()) Assert.Equal([5L, 65L], field.forward(zeros(5, 3), zeros(5, 10)).shape);

        // The original's frequency path has no hash grid.
        var freq = new DisplacementField(new DisplacementNetworkOptions(), geometryFeatureDim: 10);
        Assert.Null(freq.HashGrid);
        Assert.NotNull(freq.Encoding);
        Assert.DoesNotContain(freq.state_dict().Keys, k => k.StartsWith("hash_grid", StringComparison.Ordinal));
        Assert.Equal([256L, 51L + 10L], freq.state_dict()["lin0.weight_v"].shape);
    }

    [Fact]
    public void DenseLevelReproducesLinearFunctionsExactly()
    {
        const int N = 8;
        var o = new HashGridOptions { Levels = 1, FeaturesPerLevel = 2, Log2HashmapSize = 10, BaseResolution = N, FinestResolution = N, Bound = 0.5 };
        var enc = new HashGridEncoding(o);
        enc.to(float64);
        Assert.Equal(1, enc.DenseLevels); // 9³ = 729 ≤ 1024
        Assert.Equal(new[] { N }, enc.Resolutions);

        // Vertex (i, j, k) sits at x = i/N·2b − b; the dense row is i + j(N+1) + k(N+1)².
        var table = new double[1024 * 2];
        for (int k = 0; k <= N; k++)
            for (int j = 0; j <= N; j++)
                for (int i = 0; i <= N; i++)
                {
                    double x = i / (double)N - 0.5, y = j / (double)N - 0.5, z = k / (double)N - 0.5;
                    int row = i + j * (N + 1) + k * (N + 1) * (N + 1);
                    table[2 * row] = 0.3 + 1.5 * x - 2.0 * y + 0.7 * z;
                    table[2 * row + 1] = -x + 0.25 * z;
                }
        using (no_grad()) enc.Embeddings.copy_(tensor(table, [1024, 2], dtype: float64));

        var p = cat([Points(500, 0.5, 2), tensor(new[] { 0.5, 0.5, 0.5, -0.5, -0.5, -0.5, 0.5, -0.5, 0.125 }, [3, 3], dtype: float64)], 0);
        using var _ = no_grad();
        var (px, py, pz) = (p.select(1, 0), p.select(1, 1), p.select(1, 2));
        var expected = stack([0.3 + 1.5 * px - 2.0 * py + 0.7 * pz, -px + 0.25 * pz], 1);
        TestSupport.AssertClose(expected, enc.forward(p), 1e-12, what: "trilinear interpolation of a linear function");

        // Outside the cube the point is clamped to its surface.
        var outside = tensor(new[] { 0.9, -0.1, 0.2 }, [1, 3], dtype: float64);
        var onSurface = tensor(new[] { 0.5, -0.1, 0.2 }, [1, 3], dtype: float64);
        TestSupport.AssertClose(enc.forward(onSurface), enc.forward(outside), 1e-12, what: "clamp");
    }

    [Fact]
    public void HashedIndicesAreInRangeDeterministicAndFollowTheSpatialHash()
    {
        var enc = new HashGridEncoding(new HashGridOptions());
        var x = Points(3000, 0.7, 3); // some outside the cube
        var idx = enc.CornerIndices(x);
        Assert.Equal([3000L, 16L, 8L], idx.shape);
        Assert.Equal(int64, idx.dtype);
        Assert.True(idx.min().item<long>() >= 0);
        Assert.True(idx.max().item<long>() < enc.TableSize);
        Assert.True(idx.eq(enc.CornerIndices(x.clone())).all().item<bool>());
        // The hashed levels spread over the table (a broken hash, e.g. all-zero, would not).
        Assert.True(idx.select(1, 15).unique().Item1.numel() > 10_000);

        // Scalar reference, with Instant-NGP's uint32 arithmetic.
        var xs = x.data<double>().ToArray();
        var ids = idx.data<long>().ToArray();
        uint mask = (uint)enc.TableSize - 1;
        for (int pt = 0; pt < 50; pt++)
            for (int l = 0; l < enc.Levels; l++)
            {
                int res = enc.Resolutions[l];
                var c0 = new long[3];
                for (int d = 0; d < 3; d++)
                {
                    double u = Math.Clamp(xs[3 * pt + d] + 0.5, 0.0, 1.0);
                    c0[d] = Math.Min((long)Math.Floor(u * res), res - 1);
                }
                for (int c = 0; c < 8; c++)
                {
                    long ix = c0[0] + (c >> 2 & 1), iy = c0[1] + (c >> 1 & 1), iz = c0[2] + (c & 1);
                    long expected = l < enc.DenseLevels
                        ? ix + iy * (res + 1) + iz * (long)(res + 1) * (res + 1)
                        : (((uint)ix * 1u) ^ ((uint)iy * 2654435761u) ^ ((uint)iz * 805459861u)) & mask;
                    Assert.True(expected == ids[(pt * enc.Levels + l) * 8 + c], $"point {pt} level {l} corner {c}: {ids[(pt * enc.Levels + l) * 8 + c]} ≠ {expected}");
                }
            }
    }

    [Fact]
    public void EncodingIsContinuousAcrossCellBoundaries()
    {
        manual_seed(11);
        var enc = new HashGridEncoding(new HashGridOptions { InitScale = 1.0 });
        enc.to(float64);
        // Points exactly on a cell face of every level (and of the coarsest levels' faces), nudged by ±1e-6/2.
        var g = new Generator(5);
        var rows = new List<Tensor>();
        foreach (int res in enc.Resolutions)
        {
            var p = rand(8, 3, dtype: float64, generator: g) * 0.9 - 0.45;
            var face = randint(1, res, [8], dtype: float64, generator: g) / res - 0.5;
            p.select(1, 0).copy_(face);
            rows.Add(p);
        }
        var x = cat(rows, 0);
        var dx = tensor(new[] { 0.5e-6, 0, 0 }, [1, 3], dtype: float64);
        using var _ = no_grad();
        var a = enc.forward(x - dx);
        var b = enc.forward(x + dx);
        // Features are O(1): a jump at a face would be O(1); the slope is at most ~2·1024 per unit, so ≤ ~2e-3 here.
        TestSupport.AssertClose(a, b, 5e-3, what: "across cell faces");
        Assert.True((a - b).abs().max().item<double>() > 0, "the nudge should change something");
    }

    [Fact]
    public void GradientWithRespectToXMatchesCentralDifferences()
    {
        manual_seed(12);
        var enc = new HashGridEncoding(new HashGridOptions { InitScale = 1.0 });
        enc.to(float64);
        const double H = 1e-6;
        var x = Points(128, 0.45, 7);
        // Keep points whose ±h neighbourhood stays in one cell on every level and axis: there the encoding is
        // multilinear, so the central difference along an axis is exact up to rounding.
        var res = tensor(enc.Resolutions.Select(r => (double)r).ToArray(), dtype: float64).view(1, -1, 1);
        var frac = ((x + 0.5).unsqueeze(1) * res).frac();
        var margin = 2 * H * res;                                      // ±h moves pos by h·N_l on level l
        var keep = ((frac > margin) & (frac < 1 - margin)).all(2).all(1);
        x = x[keep];
        Assert.True(x.shape[0] >= 100, $"only {x.shape[0]} points away from cell faces");

        var r = randn(1, enc.OutputDims, dtype: float64);
        var xg = x.clone().requires_grad_(true);
        var y = (enc.forward(xg) * r).sum(1);
        var grad = autograd.grad([y.sum()], [xg])[0];
        Assert.True(grad.abs().max().item<double>() > 1, "the gradient should be substantial with an O(1) table");

        using var _ = no_grad();
        var fd = zeros_like(x);
        for (int d = 0; d < 3; d++)
        {
            var e = zeros(1, 3, dtype: float64);
            e[0, d] = tensor(H, dtype: float64);
            fd.select(1, d).copy_(((enc.forward(x + e) * r).sum(1) - (enc.forward(x - e) * r).sum(1)) / (2 * H));
        }
        TestSupport.AssertClose(fd, grad, 1e-5, 1e-7, what: "∂H/∂x vs central differences");
    }

    [Fact]
    public void DoubleBackwardReachesTheTable()
    {
        manual_seed(13);
        var enc = new HashGridEncoding(new HashGridOptions());
        var x = Points(512, 0.45, 9).to(float32).requires_grad_(true);
        var r = randn(1, enc.OutputDims);
        var y = (enc.forward(x) * r).sum(1, keepdim: true);
        var grad = autograd.grad([y], [x], [ones_like(y)], retain_graph: true, create_graph: true)[0];
        Assert.True(grad.requires_grad);
        var loss = grad.pow(2).sum() + y.abs().mean();
        enc.zero_grad();
        loss.backward();
        var g = enc.Embeddings.grad;
        Assert.NotNull(g);
        Assert.True(g.isfinite().all().item<bool>());
        Assert.True(g.abs().sum().item<float>() > 0);

        // The ∇ₓ part alone (no first-order term) also reaches the table: ∂‖∇ₓH‖²/∂table ≠ 0.
        enc.zero_grad();
        var x2 = x.detach().clone().requires_grad_(true);
        var y2 = (enc.forward(x2) * r).sum();
        var g2 = autograd.grad([y2], [x2], retain_graph: true, create_graph: true)[0];
        g2.pow(2).sum().backward();
        Assert.True(enc.Embeddings.grad!.abs().sum().item<float>() > 0);
    }

    [Fact]
    public void StageTwoModelWithHashGridRendersAndTrains()
    {
        manual_seed(14);
        var conf = ConfLoader.Load(Quickstart2, ["model.displacement_network.encoding=\"hashgrid\""]);
        Assert.Equal("hashgrid", conf.Model.DisplacementNetwork.Encoding);
        using var model = ModelFactory.Create(conf.Model);
        var displacement = (DisplacementField)model.named_children().Single(c => c.name == "displacement_network").module;
        Assert.NotNull(displacement.HashGrid);
        Assert.Contains("displacement_network.hash_grid.embeddings", model.state_dict().Keys);
        Assert.Equal(4, model.Encodings.Count()); // the displacement field has no positional encoding to schedule
        model.UpdateToStep(0);

        model.train();
        var loss = new HeadLoss(conf.Loss);
        Assert.True(conf.Model.UseTvLoss);
        var output = model.Render(HeadRecon.Tests.Models.TrainingStepTests.SmallBatch(16, identity: 1));
        Assert.Equal([16L, 3L], output.RgbValues.shape);
        var terms = model.Loss(output, rand(1, 16, 3), loss);
        Assert.Contains(terms.Terms, t => t.Name == "disp_grad_loss"); // use_tv_loss in stage 2
        Assert.True(float.IsFinite(terms.Total.item<float>()));
        model.zero_grad();
        terms.Total.backward();
        var table = displacement.HashGrid!.Embeddings.grad;
        Assert.NotNull(table);
        Assert.True(table.isfinite().all().item<bool>());
        Assert.True(table.abs().sum().item<float>() > 0, "no gradient reached the hash table");
        Assert.All(model.parameters(), p => Assert.True(p.grad is null || p.grad.isfinite().all().item<bool>()));
    }

    [Fact]
    public void CoarseToFineMasksTheFinerLevels()
    {
        var o = new HashGridOptions { Levels = 6, FeaturesPerLevel = 2, Log2HashmapSize = 12, InitScale = 1.0, CoarseToFineIters = 100, StartLevels = 2 };
        Assert.Equal(2.0, HashGridEncoding.ScheduledLevels(o, 0));
        Assert.Equal(4.0, HashGridEncoding.ScheduledLevels(o, 50));
        Assert.Equal(6.0, HashGridEncoding.ScheduledLevels(o, 100));
        Assert.Equal(6.0, HashGridEncoding.ScheduledLevels(o, 1000));
        Assert.Equal(6.0, HashGridEncoding.ScheduledLevels(o with { CoarseToFineIters = 0 }, 0));

        var enc = new HashGridEncoding(o);
        manual_seed(8);
        var x = (rand(64, 3) - 0.5f) * 0.8f;
        var all = enc.forward(x).reshape(64, 6, 2);
        enc.ActiveLevels = 2.5;
        var part = enc.forward(x).reshape(64, 6, 2);
        TestSupport.AssertClose(all.narrow(1, 0, 2), part.narrow(1, 0, 2), 0, what: "coarse levels");
        TestSupport.AssertClose(all.select(1, 2) * 0.5f, part.select(1, 2), 1e-6, what: "the half-open level");
        Assert.Equal(0f, part.narrow(1, 3, 3).abs().max().item<float>());
        // Masked levels get no gradient: their rows stay as initialised until they fade in.
        part.sum().backward();
        var g = enc.Embeddings.grad!.reshape(6, -1, 2);
        Assert.True(g.narrow(0, 0, 3).abs().sum().item<float>() > 0);
        Assert.Equal(0f, g.narrow(0, 3, 3).abs().max().item<float>());
    }

    [Fact]
    public void UnknownEncodingIsAConfError()
    {
        var e = Assert.Throws<ConfException>(() => ConfLoader.Load(Quickstart2, ["model.displacement_network.encoding=\"hash\""]));
        Assert.Equal("model.displacement_network.encoding", e.Key);
        Assert.Contains("model.displacement_network.encoding", e.Message);
        Assert.Contains("hashgrid", e.Message);
    }
}
