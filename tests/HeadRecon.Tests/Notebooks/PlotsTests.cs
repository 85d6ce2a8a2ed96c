using HeadRecon.Tests.Meshing;
using HeadRecon.Notebooks;
using Xunit;

namespace HeadRecon.Tests.Notebooks;

public class PlotsTests
{
    static T Property<T>(Plotly.NET.Trace t, string name) => (T)t.GetPropertyValue(name);

    [Fact]
    public void LargeMeshesAreShownSimplifiedWithTheirValuesAveraged()
    {
        var sphere = TestMeshes.Sphere(120, 0.5);
        Assert.True(sphere.VertexCount > Plots.MaxDisplayVertices);
        var intensity = Enumerable.Range(0, sphere.VertexCount).Select(i => sphere.Vertices[3 * i + 2]).ToArray(); // z
        var trace = Plots.MeshTrace(sphere, "s", intensity: intensity);
        var x = Property<float[]>(trace, "x");
        var z = Property<float[]>(trace, "z");
        var shownIntensity = Property<float[]>(trace, "intensity");
        Assert.InRange(x.Length, 1000, Plots.MaxDisplayVertices);
        Assert.Equal(x.Length, shownIntensity.Length);
        // The averaged value of z is (up to rounding to 4 decimals) the shown vertex's z.
        for (int i = 0; i < z.Length; i++) Assert.InRange(shownIntensity[i] - z[i], -2e-4f, 2e-4f);

        var small = TestMeshes.Sphere(16, 0.5);
        Assert.Equal(small.VertexCount, Property<float[]>(Plots.MeshTrace(small, "small"), "x").Length);
    }
}
