using Uft.Evaluation;
using static TorchSharp.torch;

namespace Uft.Tests.Evaluation;

/// <summary>The label-free measures of issue 41 against hand-computed cases.</summary>
public class LabelFreeTests
{
    [Fact]
    public void RankMeIsTheEffectiveRankOfTheSingularValues()
    {
        // Four orthonormal rows: σ = 1, 1, 1, 1, p = 1/4 each, exp(ln 4) = 4.
        using var identity = eye(4);
        Assert.Equal(4, LabelFree.RankMe(identity, epsilon: 0), 9);
        // Every row the same direction (collapse): one singular value, rank 1.
        using var line = tensor(new float[] { 1, 2, 2, 4, 3, 6 }).reshape(3, 2);
        Assert.Equal(1, LabelFree.RankMe(line, epsilon: 0), 6);
        // diag(3, 1): p = 3/4, 1/4; exp(-(0.75 ln 0.75 + 0.25 ln 0.25)) = 1.7548...
        using var two = tensor(new float[] { 3, 0, 0, 1 }).reshape(2, 2);
        Assert.Equal(Math.Exp(-(0.75 * Math.Log(0.75) + 0.25 * Math.Log(0.25))), LabelFree.RankMe(two, epsilon: 0), 6);
    }

    [Fact]
    public void SndIsTheMeanEntropyOfTheNeighbourSoftmax()
    {
        // Two images in one direction, one orthogonal; T = 1 and the image itself at -1.
        // Row 0 (and 1): logits [-1, 1, 0]; row 2: [0, 0, -1].
        using var f = tensor(new float[] { 1, 0, 2, 0, 0, 1 }).reshape(3, 2);
        static double Entropy(params double[] logits)
        {
            double z = logits.Sum(Math.Exp);
            return logits.Select(l => Math.Exp(l) / z).Sum(p => -p * Math.Log(p));
        }
        double expected = (2 * Entropy(-1, 1, 0) + Entropy(0, 0, -1)) / 3;
        Assert.Equal(expected, LabelFree.Snd(f, temperature: 1), 9);
        // Denser neighbourhoods, higher entropy: four images spread evenly score higher than two tight pairs.
        using var pairs = tensor(new float[] { 1, 0, 1, 0.01f, 0, 1, 0.01f, 1 }).reshape(4, 2);
        using var spread = tensor(new float[] { 1, 0, 0.7f, 0.7f, 0, 1, -0.7f, 0.7f }).reshape(4, 2);
        Assert.True(LabelFree.Snd(spread, 0.05) > LabelFree.Snd(pairs, 0.05));
    }

    [Fact]
    public void NeighbourAgreementCountsTheNeighboursBothViewsShare()
    {
        // Unit vectors at 0°, 10°, 25°, 90°, 100°: nearest others 0->1, 1->0, 2->1, 3->4, 4->3.
        static Tensor At(params double[] degrees) =>
            tensor(degrees.SelectMany(d => new[] { (float)Math.Cos(d * Math.PI / 180), (float)Math.Sin(d * Math.PI / 180) }).ToArray()).reshape(degrees.Length, 2);
        using var a = At(0, 10, 25, 90, 100);
        Assert.Equal(1.0, LabelFree.NeighbourAgreement(a, a, k: 1), 12);
        // The second view moves image 2 next to image 3 (85°): nearest others 0->1, 1->0, 2->3, 3->2, 4->3; images 0, 1
        // and 4 keep theirs: 3 of 5 agree.
        using var b = At(0, 10, 85, 90, 100);
        Assert.Equal(3.0 / 5, LabelFree.NeighbourAgreement(a, b, k: 1), 12);
    }
}
