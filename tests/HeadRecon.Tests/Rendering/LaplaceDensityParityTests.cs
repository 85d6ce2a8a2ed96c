using Xunit;

namespace HeadRecon.Tests.Rendering;

/// <summary>The density checks of the parity catalog (HeadRecon.Parity/Checks/RenderingChecks.cs), on the CPU.</summary>
[Trait("Category", "Parity")]
public class LaplaceDensityParityTests
{
    public static TheoryData<string> Cases => TestSupport.ParityCases("density/");

    [Theory]
    [MemberData(nameof(Cases))]
    public void MatchesTheOriginal(string check) => TestSupport.RunParity(check);
}
