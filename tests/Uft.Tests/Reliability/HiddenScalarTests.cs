using TorchSharp;
using static TorchSharp.torch;

namespace Uft.Tests.Reliability;

/// <summary>No code of UFT hands libtorch a Scalar that a garbage collection could free under the op (issue 18).</summary>
[Trait("Category", "Reliability")]
public sealed class HiddenScalarTests
{
    [Fact]
    public void TheAuditFindsTorchSharpsHiddenScalars()
    {
        // The audit itself: known hidden-Scalar calls are found, a held Scalar is not.
        var sites = HiddenScalars.CallSites(typeof(HiddenScalarTests).Assembly);
        Assert.Contains(sites, s => s.Contains("Examples.Unheld(") && s.Contains("Tensor.add(Tensor)"));
        Assert.Contains(sites, s => s.Contains("Examples.Unheld(") && s.Contains("Scalar.op_Implicit(Double)"));
        Assert.Contains(sites, s => s.Contains("Examples.Unheld(") && s.Contains("Tensor.op_Addition(Tensor, Tensor)"));
        Assert.Contains(sites, s => s.Contains("Examples.Unheld(") && s.Contains("BatchNorm2d"));
        Assert.Contains(sites, s => s.Contains("Examples.Unheld(") && s.Contains(".step("));
        Assert.DoesNotContain(sites, s => s.Contains("Examples.Held("));
    }

    [Fact]
    public void NoCallInUftOrItsCliHandsLibtorchAnUnheldScalar()
    {
        var cli = System.Reflection.Assembly.LoadFrom(Path.Combine(AppContext.BaseDirectory, "Uft.Cli.dll"));
        var sites = HiddenScalars.CallSites(typeof(HeldScalar).Assembly).Concat(HiddenScalars.CallSites(cli)).ToList();
        Assert.True(sites.Count == 0, $"{sites.Count} call sites:\n" + string.Join("\n", sites));
    }

    static class Examples
    {
        public static void Unheld(Tensor a, Tensor b)
        {
            a.add(b).Dispose();
            a.mul(0.5).Dispose();
            (a + b).Dispose();
            using var linear = nn.Linear(2, 2);
            using var sgd = optim.SGD(linear.parameters(), 0.1);
            sgd.step();
            nn.BatchNorm2d(3).Dispose();
        }

        public static void Held(Tensor a, Tensor b, Scalar half)
        {
            a.add(b, HeldScalar.One).Dispose();
            a.mul(half).Dispose();
            (a - b).Dispose(); // sub(Tensor) has no alpha
            nn.Conv2d(3, 3, 1).Dispose();
        }
    }
}
