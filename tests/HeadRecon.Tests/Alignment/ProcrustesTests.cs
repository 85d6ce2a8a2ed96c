using HeadRecon.Alignment;
using HeadRecon.Data;
using Xunit;

namespace HeadRecon.Tests.Alignment;

public class ProcrustesTests
{
    internal static double[] RandomPoints(int n, int seed, double spread = 1.0)
    {
        var rng = new Random(seed);
        return Enumerable.Range(0, 3 * n).Select(_ => spread * (2 * rng.NextDouble() - 1)).ToArray();
    }

    internal static double[] Apply(Similarity t, double[] p) => Enumerable.Range(0, p.Length / 3).SelectMany(i => t.Apply(p[(3 * i)..(3 * i + 3)])).ToArray();

    internal static readonly Similarity Known = new(1.37, Rotations.FromAxisAngle(0.3, -0.8, 0.45), [12.5, -3.25, 40]);

    [Theory]
    [InlineData(ProcrustesScale.LeastSquares)]
    [InlineData(ProcrustesScale.RmsRatio)]
    public void Exact_correspondences_give_back_the_similarity(ProcrustesScale scale)
    {
        var a = RandomPoints(6, 1);
        var fit = Procrustes.Fit(a, Apply(Known, a), scale);
        Assert.True(Rotations.AngleBetweenDegrees(fit.Transform.Rotation, Known.Rotation) < 1e-9);
        Assert.Equal(Known.Scale, fit.Transform.Scale, 10);
        for (int k = 0; k < 3; k++) Assert.Equal(Known.Translation[k], fit.Transform.Translation[k], 8);
        Assert.True(fit.RmsDistance < 1e-9);
    }

    [Fact]
    public void Rigid_fit_keeps_unit_scale_and_coplanar_points_still_determine_the_rotation()
    {
        var rigid = Known with { Scale = 1 };
        var a = RandomPoints(5, 2);
        for (int i = 0; i < 5; i++) a[3 * i + 2] = 0; // all in z = 0: rank-2 cross-covariance
        var fit = Procrustes.Fit(a, Apply(rigid, a), ProcrustesScale.None);
        Assert.Equal(1.0, fit.Transform.Scale);
        Assert.True(Rotations.AngleBetweenDegrees(fit.Transform.Rotation, rigid.Rotation) < 1e-8);
        Assert.True(fit.RmsDistance < 1e-9);
    }

    [Fact]
    public void Reflections_are_excluded_unless_allowed()
    {
        var a = RandomPoints(8, 3);
        var mirrored = a.Select((v, i) => i % 3 == 0 ? -v : v).ToArray(); // x ↦ −x
        var proper = Procrustes.Fit(a, mirrored, ProcrustesScale.LeastSquares, allowReflection: false);
        Assert.Equal(1.0, LinearAlgebra.Det3(proper.Transform.Rotation), 9);
        Assert.True(proper.RmsDistance > 0.1);
        var reflected = Procrustes.Fit(a, mirrored, ProcrustesScale.LeastSquares, allowReflection: true);
        Assert.Equal(-1.0, LinearAlgebra.Det3(reflected.Transform.Rotation), 9);
        Assert.True(reflected.RmsDistance < 1e-9);
    }

    [Fact]
    public void Least_squares_scale_has_the_smaller_residual_under_noise()
    {
        var a = RandomPoints(6, 4);
        var rng = new Random(5);
        var b = Apply(Known, a).Select(v => v + 0.05 * (2 * rng.NextDouble() - 1)).ToArray();
        var ls = Procrustes.Fit(a, b, ProcrustesScale.LeastSquares);
        var rms = Procrustes.Fit(a, b, ProcrustesScale.RmsRatio);
        Assert.True(ls.Cost <= rms.Cost + 1e-15, $"{ls.Cost} > {rms.Cost}");
        Assert.True(Rotations.AngleBetweenDegrees(ls.Transform.Rotation, Known.Rotation) < 3);
        Assert.Equal(Known.Scale, ls.Transform.Scale, 1);
    }

    [Fact]
    public void Similarity_inverse_composition_and_json_round_trip()
    {
        var p = new double[] { 0.3, -1.2, 2.5 };
        var back = Known.Inverse().Apply(Known.Apply(p));
        for (int k = 0; k < 3; k++) Assert.Equal(p[k], back[k], 12);
        var other = new Similarity(0.5, Rotations.FromAxisAngle(0, 1, 0), [1, 2, 3]);
        var composed = Known.Then(other).Apply(p);
        var stepwise = other.Apply(Known.Apply(p));
        for (int k = 0; k < 3; k++) Assert.Equal(stepwise[k], composed[k], 12);
        var json = Similarity.FromJson(System.Text.Json.Nodes.JsonNode.Parse(Known.ToJson().ToJsonString()), "test");
        Assert.Equal(Known.Scale, json.Scale);
        Assert.Equal(Known.Rotation, json.Rotation);
        Assert.Equal(Known.Translation, json.Translation);
        var m = Similarity.FromMatrix4(Known.ToMatrix4());
        Assert.Equal(Known.Scale, m.Scale, 12);
        Assert.Contains("rotation", Assert.Throws<DatasetException>(() =>
            Similarity.FromJson(System.Text.Json.Nodes.JsonNode.Parse("{\"scale\": 1, \"rotation\": [[1,0,0],[0,2,0],[0,0,1]], \"translation\": [0,0,0]}"), "bad.json")).Message);
    }

    [Fact]
    public void Svd_and_eigen_reconstruct_their_input()
    {
        var rng = new Random(6);
        for (int trial = 0; trial < 20; trial++)
        {
            var m = Enumerable.Range(0, 9).Select(_ => 2 * rng.NextDouble() - 1).ToArray();
            if (trial % 5 == 0) for (int c = 0; c < 3; c++) m[6 + c] = m[c] + m[3 + c]; // rank 2
            var (u, s, v) = LinearAlgebra.Svd3(m);
            var r = LinearAlgebra.Multiply(LinearAlgebra.Multiply(u, [s[0], 0, 0, 0, s[1], 0, 0, 0, s[2]], 3), LinearAlgebra.Transpose3(v), 3);
            for (int i = 0; i < 9; i++) Assert.Equal(m[i], r[i], 9);
            Assert.True(s[0] >= s[1] && s[1] >= s[2] && s[2] >= 0);
            var utu = LinearAlgebra.Multiply(LinearAlgebra.Transpose3(u), u, 3);
            for (int i = 0; i < 9; i++) Assert.Equal(i % 4 == 0 ? 1 : 0, utu[i], 9);
        }
        double[] sym = [4, 1, 0, 2, 1, 3, 0, 0, 0, 0, 2, 1, 2, 0, 1, 5];
        var (values, vectors) = LinearAlgebra.SymmetricEigen(sym, 4);
        for (int c = 0; c < 4; c++)
            for (int r = 0; r < 4; r++)
            {
                double av = Enumerable.Range(0, 4).Sum(k => sym[r * 4 + k] * vectors[k * 4 + c]);
                Assert.Equal(values[c] * vectors[r * 4 + c], av, 9);
            }
        Assert.True(values[0] <= values[1] && values[1] <= values[2] && values[2] <= values[3]);
    }

    [Fact]
    public void Quaternions_round_trip_and_match_colmaps_convention()
    {
        // 90° about z: x → y.
        var r = Rotations.FromQuaternion(Math.Sqrt(0.5), 0, 0, Math.Sqrt(0.5));
        var p = Rotations.Apply(r, 1, 0, 0);
        Assert.Equal(0, p[0], 12); Assert.Equal(1, p[1], 12);
        var rng = new Random(7);
        for (int i = 0; i < 20; i++)
        {
            var q = Rotations.FromAxisAngle(3 * rng.NextDouble() - 1.5, 3 * rng.NextDouble() - 1.5, 3 * rng.NextDouble() - 1.5);
            var (w, x, y, z) = Rotations.ToQuaternion(q);
            Assert.True(Rotations.AngleBetweenDegrees(Rotations.FromQuaternion(w, x, y, z), q) < 1e-6);
        }
    }

    [Fact]
    public void Weights_follow_the_trusted_points_and_equal_weights_change_nothing()
    {
        var a = RandomPoints(7, 3);
        var b = Apply(Known, a);
        b[0] += 0.8; b[1] -= 0.5; b[2] += 0.6;   // one landmark far off
        var plain = Procrustes.Fit(a, b);
        var equal = Procrustes.Fit(a, b, weights: [.. Enumerable.Repeat(2.5, 7)]);
        Assert.Equal(plain.Transform.Scale, equal.Transform.Scale, 12);
        for (int k = 0; k < 3; k++) Assert.Equal(plain.Transform.Translation[k], equal.Transform.Translation[k], 10);
        var trusted = Procrustes.Fit(a, b, weights: [1e-6, 1, 1, 1, 1, 1, 1]);
        double Err(ProcrustesFit f) => Rotations.AngleBetweenDegrees(f.Transform.Rotation, Known.Rotation) + Math.Abs(f.Transform.Scale - Known.Scale);
        Assert.True(Err(trusted) < 1e-4, $"down-weighted outlier still moves the fit: {Err(trusted)}");
        Assert.True(Err(plain) > 100 * Err(trusted), $"{Err(plain)} vs {Err(trusted)}");
        Assert.Throws<ArgumentException>(() => Procrustes.Fit(a, b, weights: [1, 1, 1]));
        Assert.Throws<ArgumentException>(() => Procrustes.Fit(a, b, weights: [0, 1, 1, 1, 1, 1, 1]));
    }
}
