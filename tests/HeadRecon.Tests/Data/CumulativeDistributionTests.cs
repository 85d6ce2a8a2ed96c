using HeadRecon.Data;
using Xunit;

namespace HeadRecon.Tests.Data;

public class CumulativeDistributionTests
{
    [Theory]
    // Weights 1, 0, 0, 2: running sums 1, 1, 1, 3.
    [InlineData(0.0, 0)]
    [InlineData(0.5, 0)]
    [InlineData(1.0, 3)]   // exactly on a sum: the next entry with weight, never a zero-weight one
    [InlineData(2.9, 3)]
    [InlineData(3.0, 3)]   // at the total: the last index
    public void Draws_the_entry_whose_interval_holds_u(double u, int expected) =>
        Assert.Equal(expected, CumulativeDistribution.Index([1, 1, 1, 3], u));
}
