using Uft.Method;
using static TorchSharp.torch;

namespace Uft.Tests.Method;

public class MixingTests
{
    [Fact]
    public void MixedLossIsTheLambdaWeightedSumOfBothInfoNceTerms()
    {
        // Queries, queue and own keys of InfoNceTests (T = 0.5); partner keys are the own keys rolled by one
        // (partner of i is i+1 mod 3), lambda = 0.25.
        var q = tensor(new float[,] { { 1, 0 }, { 0, 1 }, { 0.6f, 0.8f } });
        var kA = tensor(new float[,] { { 1, 0 }, { 0.6f, 0.8f }, { 0, 1 } });
        var kB = tensor(new float[,] { { 0.6f, 0.8f }, { 0, 1 }, { 1, 0 } });
        var queue = tensor(new float[,] { { 0, 1 }, { -1, 0 }, { 0.8f, 0.6f } });
        // InfoNCE(q, kA) = 0.601016, 1.213143, 1.234872 (see InfoNceTests).
        // InfoNCE(q, kB): row 0 logits 1.2, 0, -2, 1.6   -> ln(3.320117 + 1 + 0.135335 + 4.953032 = 9.408485) - 1.2 = 1.041612
        //                 row 1 logits 2, 2, 0, 1.2      -> ln(7.389056*2 + 1 + 3.320117 = 19.098229) - 2     = 0.949596
        //                 row 2 logits 1.2, 1.6, -1.2, 1.92 -> ln(3.320117 + 4.953032 + 0.301194 + 6.820958 = 15.395302) - 1.2 = 1.534062
        // 0.25*A + 0.75*B = 0.931463, 1.015482, 1.459265; mean 1.135403.
        using var perSample = MixedQueryLoss.PerSample(q, kA, kB, queue, 0.5, 0.25);
        var l = perSample.data<float>().ToArray();
        Assert.Equal(0.931463, l[0], 1e-5);
        Assert.Equal(1.015482, l[1], 1e-5);
        Assert.Equal(1.459265, l[2], 1e-5);
        using var mean = MixedQueryLoss.Loss(q, kA, kB, queue, 0.5, 0.25);
        Assert.Equal(1.135403, mean.item<float>(), 1e-5);
    }

    [Fact]
    public void CutMixPastesThePartnersBoxAndLambdaIsTheKeptArea()
    {
        // Two 1-channel 4x4 images, all 1 and all 2; partner of 0 is 1 and of 1 is 0; box rows [1,3), cols [0,2): 4 of 16 pixels.
        using var x = cat([ones(1, 1, 4, 4), full(1, 1, 4, 4, 2f)], 0);
        using var mixed = CutMix.Apply(x, [1, 0], new CutMixBox(1, 3, 0, 2));
        Assert.Equal(1 - 4.0 / 16, mixed.Lambda);
        var a = mixed.Images[0, 0].data<float>().ToArray();
        float[] expected0 = [1, 1, 1, 1, 2, 2, 1, 1, 2, 2, 1, 1, 1, 1, 1, 1];
        Assert.Equal(expected0, a);
        Assert.Equal(expected0.Select(v => 3 - v).ToArray(), mixed.Images[1, 0].data<float>().ToArray());
        Assert.Equal(1f, x[0].max().item<float>()); // the input is not modified
    }

    [Fact]
    public void CutMixBoxFollowsRandBboxAndLambdaIsExactAfterClipping()
    {
        var rng = new Random(7);
        int inside = 0;
        for (int trial = 0; trial < 200; trial++)
        {
            // lambda 0.75 on 8x12: cut ratio sqrt(0.25) = 0.5 -> cut 4x6, centred, clipped at the border.
            var box = CutMix.RandomBox(8, 12, 0.75, rng);
            Assert.InRange(box.Y0, 0, 8); Assert.InRange(box.Y1, box.Y0, 8);
            Assert.InRange(box.X0, 0, 12); Assert.InRange(box.X1, box.X0, 12);
            Assert.True(box.Y1 - box.Y0 <= 4 && box.X1 - box.X0 <= 6);
            if (box.Y0 > 0 && box.Y1 < 8 && box.X0 > 0 && box.X1 < 12) { Assert.Equal(24, box.Area); inside++; }
            using var x = zeros(2, 3, 8, 12);
            using var m = CutMix.Apply(x, [1, 0], box);
            Assert.Equal(1 - box.Area / 96.0, m.Lambda);
        }
        Assert.True(inside > 20, $"only {inside} boxes away from the border");
        Assert.Equal(0, CutMix.RandomBox(8, 8, 1.0, rng).Area); // lambda 1: nothing pasted
    }

    [Fact]
    public void MixUpBlendsExactly()
    {
        using var x = tensor(new float[] { 1, 3, 10, 30 }).reshape(2, 1, 1, 2);
        using var m = MixUp.Apply(x, [1, 0], 0.25);
        // image 0: 0.25*(1,3) + 0.75*(10,30) = (7.75, 23.25); image 1: 0.25*(10,30) + 0.75*(1,3) = (3.25, 9.75)
        Assert.Equal(new float[] { 7.75f, 23.25f, 3.25f, 9.75f }, m.Images.data<float>().ToArray());
        Assert.Equal(0.25, m.Lambda);
    }

    [Fact]
    public void BetaOneOneHasMeanHalfAndBetaTwoFiveHasMeanTwoSevenths()
    {
        var rng = new Random(1);
        const int n = 20000;
        var u = Enumerable.Range(0, n).Select(_ => RandomDraws.Beta(1, 1, rng)).ToArray();
        Assert.All(u, v => Assert.InRange(v, 0, 1));
        Assert.Equal(0.5, u.Average(), 0.005);                    // sd of the mean ~ 0.29/sqrt(n) = 0.002
        Assert.Equal(1.0 / 12, u.Select(v => (v - 0.5) * (v - 0.5)).Average(), 0.005); // uniform variance
        Assert.Equal(2.0 / 7, Enumerable.Range(0, n).Select(_ => RandomDraws.Beta(2, 5, rng)).Average(), 0.005);
        Assert.Equal(0.5, Enumerable.Range(0, n).Select(_ => RandomDraws.Beta(0.2, 0.2, rng)).Average(), 0.05);
    }

    [Fact]
    public void PermutationsAndStepGeneratorsAreDeterministic()
    {
        var p = RandomDraws.Permutation(10, RandomDraws.ForStep(3, 5));
        Assert.Equal(Enumerable.Range(0, 10).Select(i => (long)i), p.Order());
        Assert.Equal(p, RandomDraws.Permutation(10, RandomDraws.ForStep(3, 5)));
        Assert.NotEqual(p, RandomDraws.Permutation(10, RandomDraws.ForStep(3, 6)));
        Assert.NotEqual(p, RandomDraws.Permutation(10, RandomDraws.ForStep(4, 5)));
    }

    [Fact]
    public void AlphaMustBePositive()
    {
        var e = Assert.Throws<UftException>(() => new MixingOptions(Alpha: 0).Validated());
        Assert.True(e.IsUsage);
        Assert.Contains("--mix-alpha", e.Message);
    }
}
