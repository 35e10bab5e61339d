using System.Diagnostics;
using Microsoft.ML.OnnxRuntime;
using Uft.Models;
using Uft.Pretrained;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace Uft.Tests.Interop;

/// <summary>
/// Are the imported features meaningful? Leave-one-out 1-NN (cosine) on 200 Caltech-101 training images, the first
/// 10 (by name) of the first 20 classes (by name), shorter side resized then centre crop. Run with
/// <c>UFT_BENCH=1 dotnet test tests/Uft.Tests -c Release --filter "FullyQualifiedName~ImageNetResNet18Bench"</c>.
/// </summary>
public class ImageNetResNet18Bench(ITestOutputHelper output)
{
    [BenchFact]
    public void LeaveOneOutNearestNeighbourOn200CaltechImages()
    {
        var items = TestImages.Caltech("train", classes: 20, perClass: 10);
        var labels = items.Select(i => i.Label).ToArray();
        using var net = ImageNetResNet18.Create();
        using var perChannel = ImageNetResNet18.Create(perChannelMean: true);
        net.eval(); perChannel.eval();
        foreach (int size in new[] { 224, 112 })
            foreach (var (model, adapter) in new[] { (net, "mean image"), (perChannel, "per-channel mean") })
            {
                var sw = Stopwatch.StartNew();
                using var feats = Features(items, x => model.call(TestImages.Normalised(x)), size, batch: 20);
                output.WriteLine($"UFT TorchSharp module, {adapter}, {size} px: 1-NN LOO accuracy {Accuracy(feats, labels):F3} ({sw.Elapsed.TotalSeconds:F0} s)");
            }
        using var prep = new InferenceSession(ImageNetResNet18.DefaultPreprocessPath);
        using var onnx = new InferenceSession(ImageNetResNet18.DefaultModelPath);
        var sw2 = Stopwatch.StartNew();
        using var onnxFeats = Features(items, x => Onnx(prep, onnx, x), 224, batch: 1);
        output.WriteLine($"ONNX Runtime, 224 px: 1-NN LOO accuracy {Accuracy(onnxFeats, labels):F3} ({sw2.Elapsed.TotalSeconds:F0} s)");
        Assert.True(Accuracy(onnxFeats, labels) > 0.75);
    }

    static Tensor Onnx(InferenceSession prep, InferenceSession onnx, Tensor rgb255)
    {
        var input = new Microsoft.ML.OnnxRuntime.Tensors.DenseTensor<float>(rgb255.data<float>().ToArray(), [1, 3, 224, 224]);
        using var p = prep.Run([NamedOnnxValue.CreateFromTensor(prep.InputMetadata.Keys.Single(), input)]);
        using var r = onnx.Run([NamedOnnxValue.CreateFromTensor(onnx.InputMetadata.Keys.Single(), p.First().AsTensor<float>().ToDenseTensor())]);
        return tensor(r.First().AsTensor<float>().ToArray(), [1, 512]);
    }

    static Tensor Features(List<(string Path, int Label)> items, Func<Tensor, Tensor> f, int size, int batch)
    {
        var rows = new List<Tensor>();
        foreach (var chunk in items.Chunk(batch))
        {
            using var scope = NewDisposeScope();
            using var _ = no_grad();
            var x = cat(chunk.Select(i => TestImages.Rgb255(i.Path, size)).ToList(), 0);
            rows.Add(nn.functional.normalize(f(x), dim: 1).MoveToOuterDisposeScope());
        }
        var all = cat(rows, 0);
        foreach (var r in rows) r.Dispose();
        return all;
    }

    /// <summary>Leave-one-out 1-NN accuracy with cosine similarity on L2-normalised rows.</summary>
    public static double Accuracy(Tensor feats, int[] labels)
    {
        using var scope = NewDisposeScope();
        var sim = feats.matmul(feats.T);
        sim.sub_(eye(sim.shape[0]).mul_(3)); // a row never picks itself (cosine ≥ -1)
        var nn1 = sim.argmax(1).data<long>().ToArray();
        return nn1.Select((j, i) => labels[j] == labels[i] ? 1.0 : 0.0).Average();
    }
}
