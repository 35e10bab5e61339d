// MoCo step throughput, UFT against the PyTorch reference step (/work/shared/tools/ref_moco_step.py), side by side.
// Same model (ResNet-18 + MLP head, plain BatchNorm, no key shuffle as in the reference), queue 4096, T 0.2,
// SGD(0.015, 0.9, 1e-4), random images already in memory: model cost only. 3 warm-up steps, then timed steps.
// Usage: dotnet run -c Release --project bench/step -- [--ref /work/shared/tools/ref_moco_step.py] [--python /usr/bin/python3]
//        [--steps32 10] [--steps64 5] [--threads 2] [--bs 64]
using System.Diagnostics;
using System.Globalization;
using TorchSharp;
using Uft.Method;
using Uft.Models;
using Uft.Training;
using static TorchSharp.torch;

var opts = new Dictionary<string, string>
{
    ["ref"] = "/work/shared/tools/ref_moco_step.py", ["python"] = "/usr/bin/python3",
    ["steps32"] = "10", ["steps64"] = "5", ["threads"] = "2", ["bs"] = "64", ["format"] = "nchw", ["dtype"] = "f32",
};
for (int i = 0; i + 1 < args.Length; i += 2) opts[args[i].TrimStart('-')] = args[i + 1];
int threads = int.Parse(opts["threads"]), bs = int.Parse(opts["bs"]);
// As the uft CLI runs: heap reuse for large blocks, denormals flushed.
global::Uft.NativeRuntime.ReuseLargeBlocks();
global::Uft.NativeRuntime.FlushDenormals();
set_num_threads(threads);
manual_seed(0);

Console.WriteLine($"MoCo step, ResNet-18, batch {bs}, {threads} threads, queue 4096; images/s (query images)");
Console.WriteLine($"{"res",4} {"mix",-7} {"uft",9} {"pytorch",9} {"uft/pytorch",12}");
foreach (int res in new[] { 32, 64 })
    foreach (bool mix in new[] { false, true })
    {
        int steps = int.Parse(opts[res == 32 ? "steps32" : "steps64"]);
        double uft = Uft(res, mix, steps);
        double? reference = Reference(res, mix, steps);
        string r = reference is double p ? p.ToString("F1", CultureInfo.InvariantCulture) : "n/a";
        string ratio = reference is double q ? (uft / q).ToString("F2", CultureInfo.InvariantCulture) : "n/a";
        Console.WriteLine($"{res,4} {(mix ? "cutmix" : "none"),-7} {uft,9:F1} {r,9} {ratio,12}");
    }

double Uft(int res, bool mix, int steps)
{
    using var moco = new MoCo(() => ResNet.ResNet18(), new MoCoOptions(QueueSize: 4096, ShuffleKeys: false));
    moco.train();
    var dtype = opts["dtype"] == "bf16" ? ScalarType.BFloat16 : ScalarType.Float32;
    if (dtype != ScalarType.Float32) moco.to(dtype);
    var sgd = new MomentumSgd(moco.QueryParameters(), 0.015, 0.9, 1e-4);
    using var xq = Layout(randn(bs, 3, res, res, dtype));
    using var xk = Layout(randn(bs, 3, res, res, dtype));
    MixingOptions? mixing = mix ? new MixingOptions() : null;
    void Step(long i)
    {
        using var scope = NewDisposeScope();
        sgd.ZeroGrad();
        using var r = moco.Step(xq, xk, RandomDraws.ForStep(0, i), mixing);
        r.Loss.backward();
        sgd.Step();
    }
    for (int i = 0; i < 3; i++) Step(i);
    var sw = Stopwatch.StartNew();
    for (int i = 0; i < steps; i++) Step(3 + i);
    return bs * steps / sw.Elapsed.TotalSeconds;
}

// Channels-last: NCHW shape with NHWC strides, which libtorch's oneDNN convolutions then keep through the network.
Tensor Layout(Tensor x) => opts["format"] == "nhwc" ? x.permute(0, 2, 3, 1).contiguous().permute(0, 3, 1, 2) : x;

double? Reference(int res, bool mix, int steps)
{
    if (!File.Exists(opts["ref"]) || !File.Exists(opts["python"])) return null;
    var psi = new ProcessStartInfo(opts["python"])
    {
        RedirectStandardOutput = true, RedirectStandardError = true,
        ArgumentList = { opts["ref"], "--res", res.ToString(), "--bs", bs.ToString(), "--steps", steps.ToString(), "--threads", threads.ToString() },
    };
    if (mix) psi.ArgumentList.Add("--mix");
    using var p = Process.Start(psi)!;
    string output = p.StandardOutput.ReadToEnd();
    p.WaitForExit();
    var line = output.Split('\n').FirstOrDefault(l => l.StartsWith("images_per_s="));
    return line is null ? null : double.Parse(line["images_per_s=".Length..], CultureInfo.InvariantCulture);
}
