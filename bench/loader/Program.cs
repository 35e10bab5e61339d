// Loader throughput: decode + MoCo v2 aug-plus (two views) with Uft.Data.Loader, and in the same run torchvision's
// ImageFolder + DataLoader (../shared/tools/ref_loader.py) on the same folders, sizes and worker count.
// Each figure is the median of --repeats runs, UFT and torchvision alternating, so that load changes hit both alike.
// Usage: dotnet run -c Release --project bench/loader -- [--images 1024] [--repeats 3] [--workers 2] [--batch 64] [--shared DIR] [--no-ref]
//        dotnet run -c Release --project bench/loader -- --grid docs/img/augmentations.png   (the docs picture)
using System.Diagnostics;
using System.Globalization;
using Uft.Data;
using Uft.Data.Augmentations;
using Uft.Models;

var opts = Args.Parse(args);
string shared = opts.Get("shared", Path.GetFullPath(Path.Combine(AppContext.BaseDirectory, "../../../../../../shared")));
int images = int.Parse(opts.Get("images", "1024"));
int repeats = int.Parse(opts.Get("repeats", "3"));
int workers = int.Parse(opts.Get("workers", "2"));
int batch = int.Parse(opts.Get("batch", "64"));
bool withRef = !opts.Has("no-ref");
if (opts.Has("grid"))
{
    AugmentationGrid.Render(Path.Combine(shared, "data", "caltech101", "train"), opts.Get("grid", "docs/img/augmentations.png"));
    return;
}

Console.WriteLine($"images per measurement {images}, median of {repeats}, batch {batch}, workers {workers}, cores {Environment.ProcessorCount}");
Console.WriteLine("| data | px | UFT images/s | torchvision images/s | UFT / torchvision |");
Console.WriteLine("|---|---|---|---|---|");
foreach (var set in new[] { "caltech101/train", "tiny-imagenet/train" })
{
    string dir = Path.Combine(shared, "data", set);
    var folder = ImageFolder.Labeled(dir);
    foreach (int px in new[] { 32, 64, 96 })
    {
        var uftRuns = new List<double>();
        var refRuns = new List<double>();
        for (int rep = 0; rep < repeats; rep++)
        {
            uftRuns.Add(MeasureUft(folder, px, rep));
            if (withRef && MeasureReference(dir, px) is { } v) refRuns.Add(v);
        }
        double uft = Median(uftRuns);
        double? reference = refRuns.Count > 0 ? Median(refRuns) : null;
        string refText = reference is { } r ? r.ToString("F0", CultureInfo.InvariantCulture) : "-";
        string ratio = reference is { } r2 ? (uft / r2).ToString("F2", CultureInfo.InvariantCulture) : "-";
        Console.WriteLine($"| {set} | {px} | {uft:F0} | {refText} | {ratio} |");
    }
}

static double Median(List<double> xs) => xs.Order().ElementAt(xs.Count / 2);

double MeasureUft(ImageFolder folder, int px, int seed)
{
    var aug = new MoCoV2Augmentation(px, InputNorm.ImageNet);
    var loader = new Loader(folder.Items, [aug, aug], new LoaderOptions(batch, Seed: seed, Workers: workers));
    int batches = Math.Min(loader.BatchesPerEpoch - 1, images / batch);
    long count = 0;
    var watch = new Stopwatch();
    int b = 0;
    // The first batch includes worker start-up and is left out, as ref_loader.py does.
    foreach (var x in loader.Epoch(0))
    {
        using (x)
        {
            if (b == 0) watch.Start();
            else count += x.Count;
        }
        if (++b > batches) break;
    }
    return count / watch.Elapsed.TotalSeconds;
}

double? MeasureReference(string dir, int px)
{
    string script = Path.Combine(shared, "tools", "ref_loader.py");
    var psi = new ProcessStartInfo("/usr/bin/python3", [script, dir, "--res", px.ToString(), "--workers", workers.ToString(), "--batches", (images / batch).ToString(), "--bs", batch.ToString()])
    { RedirectStandardOutput = true, RedirectStandardError = true };
    using var p = Process.Start(psi)!;
    string output = p.StandardOutput.ReadToEnd();
    p.StandardError.ReadToEnd();
    p.WaitForExit();
    var token = output.Split([' ', '\n'], StringSplitOptions.RemoveEmptyEntries).FirstOrDefault(t => t.StartsWith("images_per_s="));
    return token is null ? null : double.Parse(token["images_per_s=".Length..], CultureInfo.InvariantCulture);
}

sealed class Args(Dictionary<string, string> values)
{
    public static Args Parse(string[] args)
    {
        var d = new Dictionary<string, string>();
        for (int i = 0; i < args.Length; i++)
            if (args[i].StartsWith("--"))
                d[args[i][2..]] = i + 1 < args.Length && !args[i + 1].StartsWith("--") ? args[++i] : "";
        return new Args(d);
    }
    public string Get(string key, string fallback) => values.TryGetValue(key, out var v) ? v : fallback;
    public bool Has(string key) => values.ContainsKey(key);
}
