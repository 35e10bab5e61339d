using TorchSharp;
using static TorchSharp.torch;

namespace Uft.Evaluation;

/// <summary>
/// Weighted k-nearest-neighbour classifier on L2-normalised features, the monitor of InstDisc (Wu et al. 2018) and
/// MoCo: each of the k most cosine-similar training items votes for its class with weight exp(sim / T).
/// </summary>
public static class KnnClassifier
{
    /// <param name="trainFeats">(N, D) bank features.</param>
    /// <param name="testFeats">(Q, D) query features.</param>
    /// <returns>Predicted class per query.</returns>
    public static int[] Predict(Tensor trainFeats, int[] trainLabels, Tensor testFeats, int numClasses, int k = 200, double temperature = 0.1, int chunk = 1024)
    {
        if (trainLabels.Length != trainFeats.shape[0]) throw new ArgumentException("train labels and features differ in length");
        if (numClasses < 1 || trainLabels.Any(l => l < 0 || l >= numClasses))
            throw new ArgumentException($"train labels must lie in 0..{numClasses - 1}");
        int kk = EffectiveK(k, trainFeats.shape[0]);
        long q = testFeats.shape[0];
        var predictions = new int[q];
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        var bank = nn.functional.normalize(trainFeats, dim: 1).t().contiguous();
        var bankLabels = tensor(trainLabels.Select(l => (long)l).ToArray());
        using var t = temperature.ToScalar(); // held across the native calls (see HeldScalar)
        for (long start = 0; start < q; start += chunk)
        {
            using var step = NewDisposeScope();
            long n = Math.Min(chunk, q - start);
            var sims = nn.functional.normalize(testFeats.narrow(0, start, n), dim: 1).matmul(bank);
            var (topSim, topIdx) = sims.topk(kk, dim: 1);
            var weights = topSim.div(t).exp_();
            var votes = zeros(n, numClasses, dtype: weights.dtype).scatter_add_(1, bankLabels[topIdx], weights);
            var pred = votes.argmax(1).to(ScalarType.Int32).data<int>().ToArray();
            Array.Copy(pred, 0, predictions, start, n);
        }
        return predictions;
    }

    /// <summary>The k that <see cref="Predict"/> uses with a bank of <paramref name="bankSize"/> items: k, at most the bank.</summary>
    public static int EffectiveK(int k, long bankSize) => (int)Math.Min(k, bankSize);

    /// <summary>Top-1 accuracy of <see cref="Predict"/> on labelled queries.</summary>
    public static double Accuracy(Tensor trainFeats, int[] trainLabels, Tensor testFeats, int[] testLabels, int numClasses, int k = 200, double temperature = 0.1) =>
        ClassificationAccuracy.Top1(Predict(trainFeats, trainLabels, testFeats, numClasses, k, temperature), testLabels);
}
