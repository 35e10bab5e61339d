using TorchSharp;
using Linear = TorchSharp.Modules.Linear;
using Uft.Data;
using Uft.Models;
using static TorchSharp.torch;

namespace Uft.Evaluation;

/// <summary>Pieces shared by the protocols that finetune the whole network with a new linear classifier.</summary>
public static class FineTuning
{
    /// <summary>
    /// The trials of a few-shot protocol: for each K and trial, the backbone starts from its own weights again (so trials
    /// are independent), <paramref name="runTrial"/>(K, seed) trains and scores; the weights and mode are put back at the end.
    /// Seeds depend on (seed, K, trial) only.
    /// </summary>
    public static IReadOnlyList<KShotResult> OverTrials(ResNet backbone, int[] shots, int trials, int seed,
        Func<int, int, (double Top1, double MeanClassAccuracy)> runTrial)
    {
        var snapshot = Snapshot(backbone);
        bool wasTraining = backbone.training;
        try
        {
            var results = new List<KShotResult>();
            foreach (int k in shots)
            {
                var top1 = new List<double>();
                var meanClass = new List<double>();
                for (int trial = 0; trial < trials; trial++)
                {
                    Restore(backbone, snapshot);
                    var (t, m) = runTrial(k, seed * 1_000_003 + k * 1009 + trial);
                    top1.Add(t);
                    meanClass.Add(m);
                }
                results.Add(new KShotResult(k, MetricSummary.Of(top1), MetricSummary.Of(meanClass)));
            }
            return results;
        }
        finally
        {
            Restore(backbone, snapshot);
            backbone.train(wasTraining);
            foreach (var t in snapshot.Values) t.Dispose();
        }
    }

    /// <summary>A detached copy of every parameter and buffer, so that each trial starts from the same weights.</summary>
    public static Dictionary<string, Tensor> Snapshot(ResNet backbone) =>
        backbone.state_dict().ToDictionary(kv => kv.Key, kv => kv.Value.detach().clone());

    public static void Restore(ResNet backbone, Dictionary<string, Tensor> snapshot)
    {
        using var _ = no_grad();
        foreach (var (name, value) in backbone.state_dict()) value.copy_(snapshot[name]);
    }

    /// <summary>
    /// <paramref name="items"/> in consecutive batches of at most <paramref name="maxSize"/>, sizes as even as possible
    /// (203 items at 64: 51, 51, 51, 50), so no batch is a remainder of a few images.
    /// </summary>
    public static List<List<T>> EvenBatches<T>(IReadOnlyList<T> items, int maxSize)
    {
        int count = (items.Count + maxSize - 1) / maxSize, start = 0;
        var batches = new List<List<T>>(count);
        for (int b = 0; b < count; b++)
        {
            int size = items.Count / count + (b < items.Count % count ? 1 : 0);
            batches.Add(items.Skip(start).Take(size).ToList());
            start += size;
        }
        return batches;
    }

    /// <summary>A new linear classifier with weights ~ N(0, 0.01²) and zero bias, drawn from a seeded generator.</summary>
    public static Linear NewHead(int inFeatures, int numClasses, int seed)
    {
        var head = nn.Linear(inFeatures, numClasses);
        using var _ = no_grad();
        using var scale = 0.01.ToScalar();
        using var init = randn(numClasses, inFeatures, generator: new Generator((ulong)seed));
        head.weight!.copy_(init.mul_(scale));
        head.bias!.zero_();
        return head;
    }

    /// <summary>K labelled items a class (fewer where a class has fewer), drawn without replacement.</summary>
    public static List<ImageItem> SampleShots(IReadOnlyList<ImageItem> items, int shots, Random rng) =>
        items.Where(i => i.Label >= 0).GroupBy(i => i.Label).OrderBy(g => g.Key)
            .SelectMany(g => g.OrderBy(_ => rng.Next()).Take(shots)).ToList();

    /// <summary>Predicted class of each item: eval mode, evaluation transform, no gradient.</summary>
    public static int[] Predict(ResNet backbone, Linear head, bool normalise, IReadOnlyList<ImageItem> items, IViewTransform transform,
        int batchSize, IProgress<EvalProgress>? progress, CancellationToken ct)
    {
        bool wasTraining = backbone.training;
        backbone.eval();
        head.eval();
        try
        {
            var predictions = new int[items.Count];
            using var _ = no_grad();
            for (int start = 0; start < items.Count; start += batchSize)
            {
                ct.ThrowIfCancellationRequested();
                using var scope = NewDisposeScope();
                int n = Math.Min(batchSize, items.Count - start);
                var batch = BatchBuilder.Build(items.Skip(start).Take(n).ToList(), transform, Enumerable.Range(start, n).ToArray());
                var features = backbone.call(batch);
                if (normalise) features = nn.functional.normalize(features, dim: 1);
                var pred = head.call(features).argmax(1).to(ScalarType.Int32).data<int>().ToArray();
                Array.Copy(pred, 0, predictions, start, n);
                progress?.Report(new EvalProgress("test", start + n, items.Count));
            }
            return predictions;
        }
        finally
        {
            backbone.train(wasTraining);
            head.train();
        }
    }
}
