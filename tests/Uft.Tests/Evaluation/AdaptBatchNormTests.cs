using TorchSharp.Modules;
using Uft.Data;
using Uft.Data.Augmentations;
using Uft.Evaluation;
using Uft.Models;
using static TorchSharp.torch;

namespace Uft.Tests.Evaluation;

/// <summary><c>uft eval --adapt-bn</c>: the backbone is measured with batch-norm statistics of the train images at the
/// evaluation size (AdaBN), and eval.json says so.</summary>
[Collection(SerialCollection.Name)]
public class AdaptBatchNormTests
{
    [Fact]
    public void StatisticsComeFromTheTrainImagesAtTheEvaluationSizeAndEvalJsonSaysSo()
    {
        string dir = Paths.TempDir();
        SyntheticImages.Write(Path.Combine(dir, "train"), perClass: 6, seed: 1);
        SyntheticImages.Write(Path.Combine(dir, "test"), perClass: 3, seed: 2);
        var train = ImageFolder.Labeled(Path.Combine(dir, "train"));
        var test = ImageFolder.Labeled(Path.Combine(dir, "test"));
        var view = new EvalTransform(40, InputNorm.ImageNet);
        var options = new EvalOptions { BatchSize = 6, Clustering = false, Knn = false, LinearProbe = false, ProbeShots = [], TSnePoints = 0 };

        random.manual_seed(0);
        using var net = ResNet.ResNet18();
        var plain = EvalSuite.Run(net, "r18", train, test, null, new EvalTransforms(view), options, Path.Combine(dir, "plain"));
        Assert.False(plain.Settings.ContainsKey(EvalReport.BatchNormSetting));
        var bn1 = (BatchNorm)net.named_modules().First(m => m.name == "bn1").module;
        Assert.Equal(0f, bn1.running_mean!.abs().max().item<float>()); // a fresh network's statistics, untouched

        var adapted = EvalSuite.Run(net, "r18", train, test, null, new EvalTransforms(view), options with { AdaptBatchNorm = true }, Path.Combine(dir, "adapted"));

        // Expected: the stem's output over the train images at 40 px, in loader order, in two batches of 6, as the
        // plain mean of the per-batch means (PyTorch's cumulative average with momentum None).
        var conv1 = (Conv2d)net.named_modules().First(m => m.name == "conv1").module;
        using (no_grad())
        {
            var loader = new Loader(train.Items, [view], new LoaderOptions(6, Shuffle: false, DropLast: true));
            var means = new List<Tensor>();
            foreach (var batch in loader.Epoch(0))
                using (batch) means.Add(conv1.call(batch.Views[0]).mean([0, 2, 3]));
            Assert.Equal(2, means.Count);
            using var expected = stack(means).mean([0]);
            Assert.True(allclose(bn1.running_mean!, expected, rtol: 1e-4, atol: 1e-5),
                $"running mean {bn1.running_mean!.abs().sum().item<float>()} vs {expected.abs().sum().item<float>()}");
            foreach (var m in means) m.Dispose();
        }
        Assert.False(net.training); // measured in eval mode
        Assert.Equal("re-estimated on the train images at 40 px (AdaBN)", adapted.Settings[EvalReport.BatchNormSetting]);
        Assert.True(adapted.Seconds.ContainsKey("batch_norm"));
        var saved = EvalReport.Load(Path.Combine(dir, "adapted", "eval.json"));
        Assert.Equal(adapted.Settings[EvalReport.BatchNormSetting], saved.Settings[EvalReport.BatchNormSetting]);
    }
}
