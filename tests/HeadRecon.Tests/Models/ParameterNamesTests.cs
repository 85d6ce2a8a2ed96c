using HeadRecon.Fields;
using HeadRecon.Models;
using HeadRecon.Rendering;
using HeadRecon.Tests.Benchmarks;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;

namespace HeadRecon.Tests.Models;

/// <summary>
/// Members are PascalCase while checkpoints keep the original's PyTorch names; Module.to() must still write the
/// moved parameters back into the members (a dtype change copies every parameter, even on the CPU).
/// </summary>
public class ParameterNamesTests
{
    static ParameterNamesTests() => HeadRecon.Runtime.TorchRuntime.Initialize();

    [Theory]
    [InlineData("quickstart_st1.conf")]
    [InlineData("quickstart_st2.conf")]
    public void StateDictKeepsTheOriginalsNames(string file)
    {
        using var m = ModelFactory.Create(BenchmarkSuiteTests.Tiny(file).Model);
        var names = m.state_dict().Keys.ToList();
        Assert.Contains("deform_temp_geo_network.deform_net.lin0.weight_g", names);
        Assert.Contains("deform_temp_geo_network.implicit_net.lin0.weight_v", names);
        Assert.Contains("density.beta", names);
        Assert.Contains("id_shape_embedding.weight", names);
        Assert.Contains(file.Contains("st1", StringComparison.Ordinal) ? "rendering_network.lin0.bias" : "res_rendering_network.lin0.bias", names);
        // No member leaked into the state under its C# name (or its backing field's), and nothing is registered twice.
        Assert.All(names, n => Assert.Matches("^[a-z0-9_]+(\\.[a-z0-9_]+)*$", n));
        var parameters = m.parameters().ToList();
        Assert.Equal(parameters.Count, parameters.Distinct(ReferenceEqualityComparer.Instance).Count());
    }

    [Fact]
    public void TheHashGridIsRegisteredOnce()
    {
        var conf = BenchmarkSuiteTests.Tiny("quickstart_st2.conf");
        var model = conf.Model with { DisplacementNetwork = conf.Model.DisplacementNetwork with { Encoding = "hashgrid" } };
        using var m = ModelFactory.Create(model);
        var names = m.named_parameters().Select(p => p.name).ToList();
        Assert.Single(names, n => n.EndsWith(".embeddings", StringComparison.Ordinal));
        Assert.Contains("displacement_network.hash_grid.embeddings", names);
    }

    [Fact]
    public void MovedParametersReachTheMembers()
    {
        using var layer = new WeightNormLinear(3, 2);
        using var density = new LaplaceDensity(0.1, 1e-4);
        layer.to(ScalarType.Float64);
        density.to(ScalarType.Float64);
        var registered = layer.named_parameters().ToDictionary(p => p.name, p => p.parameter);
        Assert.Same(registered["weight_g"], layer.WeightG);
        Assert.Same(registered["weight_v"], layer.WeightV);
        Assert.Same(registered["bias"], layer.Bias);
        Assert.Equal(ScalarType.Float64, layer.WeightG.dtype);
        Assert.Equal(ScalarType.Float64, density.Beta.dtype);
        using var y = layer.forward(ones(4, 3, dtype: ScalarType.Float64));
        Assert.Equal([4L, 2L], y.shape);
    }

    [Fact]
    public void AWholeModelMovesWithItsMembers()
    {
        using var m = ModelFactory.Create(BenchmarkSuiteTests.Tiny("quickstart_st2.conf").Model);
        m.to(ScalarType.Float64);
        var lin0 = m.DeformTempGeoNetwork.ImplicitNet.Layers.Layers[0];
        Assert.Same(m.named_parameters().Single(p => p.name == "deform_temp_geo_network.implicit_net.lin0.weight_g").parameter, lin0.WeightG);
        Assert.Equal(ScalarType.Float64, m.Density.Beta.dtype);
    }
}
