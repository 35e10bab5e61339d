using System.Diagnostics;
using Uft.Method;
using Uft.Models;
using Uft.Training;
using static TorchSharp.torch;

/// <summary>
/// Where a plain MoCo step's time goes (--profile RES): the step's phases timed one by one with a stopwatch (CPU ops
/// are synchronous), averaged over the timed steps. A no-grad forward of the same network stands for the key forward.
/// </summary>
static class Profile
{
    public static void Run(int res, int bs, int steps, string arch, int bnSplits, bool channelsLast)
    {
        ResNet Backbone()
        {
            NormFactory? norm = bnSplits > 1 ? SplitBatchNorm.Factory(bnSplits) : null;
            var r = arch == "resnet50" ? ResNet.ResNet50(norm) : ResNet.ResNet18(norm);
            r.ChannelsLast = channelsLast;
            return r;
        }
        using var moco = new MoCo(Backbone, new MoCoOptions(QueueSize: 4096, ShuffleKeys: false));
        moco.train();
        var sgd = new MomentumSgd(moco.QueryParameters(), 0.015, 0.9, 1e-4);
        using var xq = randn(bs, 3, res, res);
        using var xk = randn(bs, 3, res, res);
        var phases = new (string Name, double Ms)[] { ("zero grad", 0), ("step: forwards + momentum + loss", 0), ("backward", 0), ("optimizer", 0),
            ("  of which momentum update", 0), ("  of which no-grad forward (key)", 0) };
        var sw = new Stopwatch();
        double total = 0;
        for (int i = 0; i < 3 + steps; i++)
        {
            bool timed = i >= 3;
            var all = Stopwatch.StartNew();
            using var scope = NewDisposeScope();
            void Phase(int p, Action a) { sw.Restart(); a(); if (timed) phases[p].Ms += sw.Elapsed.TotalMilliseconds; }
            Phase(0, sgd.ZeroGrad);
            MoCoStepResult? r = null;
            Phase(1, () => r = moco.Step(xq, xk, RandomDraws.ForStep(0, i)));
            Phase(2, () => r!.Loss.backward());
            Phase(3, sgd.Step);
            r!.Dispose();
            if (timed) total += all.Elapsed.TotalMilliseconds;
            // Measured apart, outside the step's total.
            Phase(4, moco.MomentumUpdate);
            Phase(5, () => moco.QueryFeatures(xk, projected: true).Dispose());
        }
        Console.WriteLine($"plain MoCo step, {arch}, {res} px, batch {bs}, BN splits {bnSplits}, {(channelsLast ? "channels-last" : "NCHW")}: {total / steps:F1} ms a step ({bs * steps / total * 1000:F1} img/s)");
        foreach (var (name, ms) in phases) Console.WriteLine($"  {name,-36} {ms / steps,8:F1} ms  {100 * ms / total,5:F1}%");
    }
}
