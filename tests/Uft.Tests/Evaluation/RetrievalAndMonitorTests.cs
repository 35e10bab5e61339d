using Uft.Evaluation;
using static TorchSharp.torch;

namespace Uft.Tests.Evaluation;

public class RetrievalAndMonitorTests
{
    [Fact]
    public void RetrievalAccuracyOnATinyConstructedSet()
    {
        // Gallery in 2-D; cosine similarity decides, so the scale of (2, 0) does not matter.
        using var gallery = tensor(new float[] { 2, 0, 0.9f, 0.1f, 0, 1, 0.1f, 0.9f, -1, 0 }, [5, 2]);
        int[] galleryLabels = [0, 0, 1, 1, 2];
        using var queries = tensor(new float[] { 1, 0.05f, 0, 1, -1, 0.01f }, [3, 2]);
        // Query 0 (label 0): g0, g1, g3 -> 2/3. Query 1 (label 1): g2, g3, g1 -> 2/3.
        // Query 2 (label 2): g4, then g2 (cos 0.01) over g3 (cos -0.09) -> 1/3.
        double acc = Retrieval.TopKAccuracy(queries, [0, 1, 2], gallery, galleryLabels, k: 3);
        Assert.Equal((2.0 / 3 + 2.0 / 3 + 1.0 / 3) / 3, acc, 6);
        Assert.Equal(1.0, Retrieval.TopKAccuracy(queries, [0, 1, 2], gallery, galleryLabels, k: 1), 12);
        var nn = Retrieval.TopKNeighbours(queries, gallery, 3);
        Assert.Equal(new[] { 4, 2, 3 }, new[] { nn[2, 0], nn[2, 1], nn[2, 2] });
    }

    [Fact]
    public void RetrievalRejectsKLargerThanTheGallery()
    {
        using var g = ones(2, 3);
        Assert.Throws<ArgumentOutOfRangeException>(() => Retrieval.TopKAccuracy(g, [0, 0], g, [0, 0], k: 3));
    }

    [Fact]
    public void KnnWeightsVotesByExpSimilarityOverTemperature()
    {
        // One close neighbour of class 0 (cos 0.9) against two of class 1 (cos 0.8).
        var bank = new float[] { 0.9f, MathF.Sqrt(1 - 0.81f), 0.8f, 0.6f, 0.8f, -0.6f };
        using var train = tensor(bank, [3, 2]);
        using var query = tensor(new float[] { 1, 0 }, [1, 2]);
        // T = 0.1: e^9 = 8103 beats 2 e^8 = 5962. T = 1: e^0.9 = 2.46 loses to 2 e^0.8 = 4.45.
        Assert.Equal(0, KnnClassifier.Predict(train, [0, 1, 1], query, numClasses: 2, k: 3, temperature: 0.1)[0]);
        Assert.Equal(1, KnnClassifier.Predict(train, [0, 1, 1], query, numClasses: 2, k: 3, temperature: 1.0)[0]);
        // k = 1 keeps only the closest.
        Assert.Equal(0, KnnClassifier.Predict(train, [0, 1, 1], query, numClasses: 2, k: 1, temperature: 1.0)[0]);
    }

    [Fact]
    public void LinearProbeSeparatesGaussianClasses()
    {
        var gen = new Generator(3);
        int perClass = 40, classes = 3, dim = 16;
        using var means = randn(classes, dim, generator: gen) * 3;
        int[] Labels() => Enumerable.Range(0, classes * perClass).Select(i => i / perClass).ToArray();
        Tensor Sample() => means.repeat_interleave(perClass, 0) + randn(classes * perClass, dim, generator: gen);
        using var train = Sample();
        using var test = Sample();
        var (top1, meanClass, fit) = LinearProbe.Evaluate(train, Labels(), test, Labels(), classes);
        Assert.True(fit.Converged, $"{fit.Iterations} iterations, gradient {fit.GradientMaxAbs}");
        Assert.True(top1 > 0.97, $"top-1 {top1}");
        Assert.True(meanClass > 0.97, $"mean-class {meanClass}");
    }

    /// <summary>Three well-separated Gaussian classes in 8 dimensions: 20 train and 10 test points each.</summary>
    internal static (Tensor Train, int[] TrainLabels, Tensor Test, int[] TestLabels) ThreeBlobs()
    {
        var gen = new Generator(4);
        using var means = randn(3, 8, generator: gen) * 4;
        var train = means.repeat_interleave(20, 0) + randn(60, 8, generator: gen);
        var test = means.repeat_interleave(10, 0) + randn(30, 8, generator: gen);
        return (train, Enumerable.Range(0, 60).Select(i => i / 20).ToArray(), test, Enumerable.Range(0, 30).Select(i => i / 10).ToArray());
    }

    [Fact]
    public void KShotLinearProbeSamplesKAClassAndReproduces()
    {
        var (train, trainLabels, test, testLabels) = ThreeBlobs();
        using var _ = train;
        using var __ = test;
        var a = LinearProbe.KShot(train, trainLabels, test, testLabels, 3, [1, 8], trials: 3, seed: 2);
        var b = LinearProbe.KShot(train, trainLabels, test, testLabels, 3, [1, 8], trials: 3, seed: 2);
        Assert.Equal([1, 8], a.Select(r => r.Shots));
        Assert.Equal(3, a[0].MeanClassAccuracy.Values.Length);
        Assert.Equal(a[1].MeanClassAccuracy.Values, b[1].MeanClassAccuracy.Values);
        Assert.True(a[1].MeanClassAccuracy.Mean > 0.9, $"8-shot {a[1].MeanClassAccuracy}");
    }

    [Fact]
    public void MetricSummaryUsesPopulationStandardDeviation()
    {
        var m = MetricSummary.Of([0.5, 0.7]);
        Assert.Equal(0.6, m.Mean, 12);
        Assert.Equal(0.1, m.Std, 12);
        // ± is half the 95% interval: t(0.975, 1) · s/√2 with s = 0.1·√2 (sample), so 12.7062 · 0.1 = 1.27062.
        Assert.Equal("60.00 ± 127.06", m.ToString());
        Assert.Equal("60.00", MetricSummary.Single(0.6).ToString());
        Assert.Equal("4-shot finetune, mean-class", EvalMetrics.Describe(EvalMetrics.KShotMeanClass(4)));
        Assert.Equal("Semi-4, top-1", EvalMetrics.Describe(EvalMetrics.SemiTop1(4)));
    }

    [Fact]
    public void MeanClassAccuracyAveragesPerClassRecall()
    {
        // Class 0: 3 of 4 right; class 1: 0 of 1. Top-1 3/5, mean-class (3/4 + 0) / 2.
        int[] labels = [0, 0, 0, 0, 1], pred = [0, 0, 0, 1, 0];
        Assert.Equal(0.6, ClassificationAccuracy.Top1(pred, labels), 12);
        Assert.Equal(0.375, ClassificationAccuracy.MeanClass(pred, labels), 12);
    }

    [Fact]
    public void AlignmentAndUniformityOfAntipodalPairs()
    {
        // Views 90 degrees apart: ||z1 - z2||² = 2. Within a view the two points are antipodal: ||zi - zj||² = 4,
        // so uniformity = log exp(-8) = -8.
        using var z1 = tensor(new float[] { 1, 0, -1, 0 }, [2, 2]);
        using var z2 = tensor(new float[] { 0, 3, 0, -3 }, [2, 2]);
        var (align, uniform) = AlignmentUniformity.Compute(z1, z2);
        Assert.Equal(2.0, align, 9);
        Assert.Equal(-8.0, uniform, 9);
        Assert.Equal(0.0, AlignmentUniformity.Compute(z1, z1).Alignment, 12);
    }
}
