using System.Diagnostics;
using System.Globalization;
using Uft.Data;
using Uft.Data.Augmentations;
using Uft.Method;
using Uft.Models;
using Uft.Training;
using static TorchSharp.torch;

/// <summary>
/// The shipped finetuning step (--freeze SIZES): ResNet-18 with the stem and layer1-3 frozen, every batch norm keeping
/// its statistics, CutMix mixed query, batch 64, at each size, three ways:
/// <list type="bullet">
/// <item>pixels: today's step, the frozen stages run on the query, the key and the mixed query (UFT, and the same step
/// in PyTorch, bench/step/ref_freeze_step.py);</item>
/// <item>cached: the step on layer3 maps already made (--cached-views), so only layer4 and the head run;</item>
/// <item>frozen stages alone: a no-grad pass of the stem and layer1-3, what the pixel step runs three times and the
/// cache once per view;</item>
/// </list>
/// and with --data, the pixel step fed by the loader (decode + two MoCo v2 views), as the trainer runs it.
/// Images/s counts query images. Model cost only except the loader column; random weights and inputs.
/// </summary>
static class Freeze
{
    public static void Run(int[] sizes, int bs, int steps, int threads, IReadOnlyList<ImageItem>? items, Func<int, double?> reference, string? backbone = null, int queue = 4096)
    {
        Console.WriteLine($"freeze3 MoCo step (ResNet-18, stem + layer1-3 frozen, batch norm kept, CutMix), batch {bs}, {threads} threads, queue 4096; images/s");
        Console.WriteLine($"{"px",4} {"pixels",8} {"pytorch",8} {"uft/pt",7} {"cached",8} {"cached/pixels",14} {"frozen fwd",11} {"pixels+loader",14}");
        foreach (int px in sizes)
        {
            using var moco = Model(backbone, queue);
            var sgd = new MomentumSgd(moco.QueryParameters(), 0.015, 0.9, 1e-4);
            var mixing = new MixingOptions();
            void Step(Tensor q, Tensor k, long i) => TrainStep(moco, sgd, mixing, q, k, i);
            double Timed(Action<long> step)
            {
                for (int i = 0; i < 3; i++) step(i);
                var sw = Stopwatch.StartNew();
                for (int i = 0; i < steps; i++) step(3 + i);
                return bs * steps / sw.Elapsed.TotalSeconds;
            }
            using var xq = randn(bs, 3, px, px);
            using var xk = randn(bs, 3, px, px);
            moco.ViewStage = 0;
            double pixels = Timed(i => Step(xq, xk, i));
            double frozen = Timed(_ => { using var _g = no_grad(); moco.QueryBackbone.Stages(xq, 3).Dispose(); });
            using var mq = ViewLike(moco, xq);
            using var mk = ViewLike(moco, xk);
            moco.ViewStage = 3;
            double cached = Timed(i => Step(mq, mk, i));
            moco.ViewStage = 0;
            double? loaderFed = null;
            if (items is not null)
            {
                loaderFed = LoaderFed(items, px, bs, steps, (q, k, i) => Step(q, k, i));
            }
            double? pt = reference(px);
            Console.WriteLine($"{px,4} {pixels,8:F1} {F(pt),8} {F(pt is double p ? pixels / p : null, "F2"),7} {cached,8:F1} {cached / pixels,14:F2} {frozen,11:F1} {F(loaderFed),14}");
        }
    }

    /// <summary>Images/s of <paramref name="step"/> fed by UFT's loader (two MoCo v2 views at <paramref name="px"/>, the
    /// automatic worker count), as the trainer runs it; 3 warm-up batches while the loader fills its prefetch queue.</summary>
    public static double LoaderFed(IReadOnlyList<ImageItem> items, int px, int bs, int steps, Action<Tensor, Tensor, long> step)
    {
        var aug = new MoCoV2Augmentation(px, InputNorm.ImageNet);
        var loader = new Loader(items, [aug, aug], new LoaderOptions(bs, Seed: px));
        var watch = new Stopwatch();
        int b = 0;
        foreach (var batch in loader.Epoch(0))
        {
            using (batch) step(batch.Views[0], batch.Views[1], b);
            if (b == 2) watch.Start();
            if (++b >= steps + 3) break;
        }
        return bs * steps / watch.Elapsed.TotalSeconds;
    }

    /// <summary>One training step as the trainer takes it: zero the gradients, the MoCo step, backward, SGD.</summary>
    public static void TrainStep(MoCo moco, MomentumSgd sgd, MixingOptions? mixing, Tensor q, Tensor k, long i)
    {
        using var scope = NewDisposeScope();
        sgd.ZeroGrad();
        using var r = moco.Step(q, k, RandomDraws.ForStep(0, i), mixing);
        r.Loss.backward();
        sgd.Step();
    }

    // As TrainingSetup builds a finetune: the query encoder trains layer4 and the head, batch norm in eval mode throughout.
    static MoCo Model(string? backbone, int queue)
    {
        // --backbone: pretrained weights and the trainer's MoCo options (key shuffle on), to compare with the trainer's rate.
        var moco = new MoCo(() => backbone is null ? ResNet.ResNet18() : global::Uft.Pretrained.Backbones.Load(backbone, SplitBatchNorm.Factory(1)).Model,
            new MoCoOptions(QueueSize: queue, ShuffleKeys: backbone is not null));
        moco.train();
        FrozenBatchNorm.Apply(moco);
        moco.FreezeStages(3);
        return moco;
    }

    // A layer3 map of the batch's shape as the cache hands it: fp32 in NHWC memory.
    static Tensor ViewLike(MoCo moco, Tensor x)
    {
        using var _ = no_grad();
        using var h = moco.QueryBackbone.Stages(x, 3);
        return h.to(ScalarType.Float16).to(ScalarType.Float32);
    }

    static string F(double? v, string format = "F1") => v is double x ? x.ToString(format, CultureInfo.InvariantCulture) : "n/a";
}
