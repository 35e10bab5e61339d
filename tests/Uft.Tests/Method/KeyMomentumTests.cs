using Uft.Method;

namespace Uft.Tests.Method;

public class KeyMomentumTests
{
    [Theory]
    [InlineData(0.1, 300, 1 - 1 / 30.0)]      // a 5-epoch CPU run: a 30-step horizon
    [InlineData(0.001, 1_000_000, 0.999)]    // MoCo's 0.999 over 200 ImageNet epochs is a 0.1% horizon
    [InlineData(0.5, 4, 0.5)]                // horizon 2 steps
    [InlineData(0.5, 2, 0)]                  // horizon of one step: the key encoder copies the query encoder
    [InlineData(0.01, 10, 0)]
    [InlineData(1, 1, 0)]
    public void MomentumIsOneMinusTheInverseHorizon(double fraction, long steps, double expected) =>
        Assert.Equal(expected, KeyMomentum.FromHorizon(fraction, steps), 12);

    [Fact]
    public void FractionOutsideZeroToOneIsAUsageErrorNamingTheOption()
    {
        foreach (double f in new[] { 0, -0.1, 1.5, double.NaN })
            Assert.StartsWith("--key-momentum-horizon", Assert.Throws<UftException>(() => KeyMomentum.FromHorizon(f, 100)).Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => KeyMomentum.FromHorizon(0.1, 0));
    }
}
