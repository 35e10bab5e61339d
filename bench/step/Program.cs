// MoCo step throughput, UFT against PyTorch, side by side, step-only and (with --data) end to end.
// Step-only: the reference step ../shared/tools/ref_moco_step.py (beside the repo); same model (ResNet-18 + MLP head, plain BatchNorm,
// no key shuffle as in the reference), queue 4096, T 0.2, SGD(0.015, 0.9, 1e-4), random images already in memory:
// model cost only. 3 warm-up steps, then timed steps.
// End to end (--data DIR): UFT's Loader (decode + MoCo v2 aug-plus, two views) feeding the same step, against
// bench/step/ref_epoch.py (torchvision ImageFolder + DataLoader feeding the reference step); 3 warm-up batches.
// Usage: dotnet run -c Release --project bench/step -- [--data DIR] [--steps32 10] [--steps64 5] [--threads 2] [--bs 64]
//        [--ref ../shared/tools/ref_moco_step.py | none] [--python /usr/bin/python3] [--format nhwc] [--dtype bf16]
//        --freeze 112,224 [--steps64 10] [--data DIR]: the shipped freeze3 step, pixels vs cached views vs PyTorch (Freeze.cs)
using System.Diagnostics;
using System.Globalization;
using TorchSharp;
using Uft.Data;
using Uft.Data.Augmentations;
using Uft.Method;
using Uft.Models;
using Uft.Training;
using static TorchSharp.torch;

var opts = new Dictionary<string, string>
{
    ["ref"] = Path.GetFullPath(Path.Combine(AppContext.BaseDirectory, "../../../../../../shared/tools/ref_moco_step.py")), ["python"] = "/usr/bin/python3",
    ["steps32"] = "10", ["steps64"] = "5", ["threads"] = "2", ["bs"] = "64", ["format"] = "nhwc", ["dtype"] = "f32",
    ["data"] = "", ["ref-epoch"] = Path.Combine(AppContext.BaseDirectory, "../../../ref_epoch.py"),
};
for (int i = 0; i + 1 < args.Length; i += 2) opts[args[i].TrimStart('-')] = args[i + 1];
int threads = int.Parse(opts["threads"]), bs = int.Parse(opts["bs"]);
// As the uft CLI runs: heap reuse for large blocks, denormals flushed.
global::Uft.NativeRuntime.ReuseLargeBlocks();
global::Uft.NativeRuntime.FlushDenormals();
set_num_threads(threads);
manual_seed(0);

if (opts.TryGetValue("profile", out var profileRes))
{
    Profile.Run(int.Parse(profileRes), bs, int.Parse(opts["steps64"]), opts.GetValueOrDefault("arch", "resnet18"),
        int.Parse(opts.GetValueOrDefault("bn-splits", "1")), opts["format"] == "nhwc");
    return;
}
string data = opts["data"];
var items = data.Length > 0 ? ImageFolder.Unlabeled(data).Items : null;
if (opts.TryGetValue("freeze", out var freezeSizes))
{
    string freezeRef = Path.Combine(AppContext.BaseDirectory, "../../../ref_freeze_step.py");
    Freeze.Run(freezeSizes.Split(',').Select(int.Parse).ToArray(), bs, int.Parse(opts["steps64"]), threads, items,
        px => opts["ref"] == "none" ? null : Reference(freezeRef, px, false, int.Parse(opts["steps64"]), null),
        opts.GetValueOrDefault("backbone"), int.Parse(opts.GetValueOrDefault("queue", "4096")));
    return;
}
Console.WriteLine($"MoCo step, ResNet-18, batch {bs}, {threads} threads, queue 4096; images/s (query images)" +
    (items is null ? "" : $"; end to end on {data} ({items.Count} images)"));
Console.WriteLine($"{"res",4} {"mix",-7} {"uft",9} {"pytorch",9} {"uft/pt",7}" + (items is null ? "" : $" {"uft e2e",9} {"pt e2e",9} {"uft/pt",7} {"uft e2e/step",13}"));
foreach (int res in new[] { 32, 64 })
    foreach (bool mix in new[] { false, true })
    {
        int steps = int.Parse(opts[res == 32 ? "steps32" : "steps64"]);
        double uft = Uft(res, mix, steps, e2e: false);
        double? reference = Reference(opts["ref"], res, mix, steps, data: null);
        string line = $"{res,4} {(mix ? "cutmix" : "none"),-7} {uft,9:F1} {F(reference),9} {F(reference is double r ? uft / r : null, "F2"),7}";
        if (items is not null)
        {
            double uftE2e = Uft(res, mix, steps, e2e: true);
            double? refE2e = Reference(opts["ref-epoch"], res, mix, steps, data);
            line += $" {uftE2e,9:F1} {F(refE2e),9} {F(refE2e is double q ? uftE2e / q : null, "F2"),7} {uftE2e / uft,13:F2}";
        }
        Console.WriteLine(line);
    }

static string F(double? v, string format = "F1") => v is double x ? x.ToString(format, CultureInfo.InvariantCulture) : "n/a";

double Uft(int res, bool mix, int steps, bool e2e)
{
    using var moco = new MoCo(() => { var r = ResNet.ResNet18(); r.ChannelsLast = opts["format"] == "nhwc"; return r; },
        new MoCoOptions(QueueSize: 4096, ShuffleKeys: false));
    moco.train();
    var dtype = opts["dtype"] == "bf16" ? ScalarType.BFloat16 : ScalarType.Float32;
    if (dtype != ScalarType.Float32) moco.to(dtype);
    var sgd = new MomentumSgd(moco.QueryParameters(), 0.015, 0.9, 1e-4);
    MixingOptions? mixing = mix ? new MixingOptions() : null;
    void Step(Tensor q, Tensor k, long i) => Freeze.TrainStep(moco, sgd, mixing, q, k, i);
    if (!e2e)
    {
        using var xq = randn(bs, 3, res, res, dtype);
        using var xk = randn(bs, 3, res, res, dtype);
        for (int i = 0; i < 3; i++) Step(xq, xk, i);
        var sw = Stopwatch.StartNew();
        for (int i = 0; i < steps; i++) Step(xq, xk, 3 + i);
        return bs * steps / sw.Elapsed.TotalSeconds;
    }
    // As the trainer runs: automatic worker count, the loader's batches straight into the step.
    return Freeze.LoaderFed(items!, res, bs, steps, Step);
}

double? Reference(string script, int res, bool mix, int steps, string? data)
{
    if (!File.Exists(script) || !File.Exists(opts["python"])) return null;
    var psi = new ProcessStartInfo(opts["python"])
    {
        RedirectStandardOutput = true, RedirectStandardError = true,
        ArgumentList = { script, "--res", res.ToString(), "--bs", bs.ToString(), data is null ? "--steps" : "--batches", steps.ToString(), "--threads", threads.ToString() },
    };
    if (data is not null) psi.ArgumentList.Insert(1, data);
    if (mix) psi.ArgumentList.Add("--mix");
    using var p = Process.Start(psi)!;
    string output = p.StandardOutput.ReadToEnd();
    p.WaitForExit();
    var line = output.Split('\n').FirstOrDefault(l => l.StartsWith("images_per_s="));
    return line is null ? null : double.Parse(line["images_per_s=".Length..], CultureInfo.InvariantCulture);
}
