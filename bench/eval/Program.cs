// Times retrieval (top-5 cosine) and K-means (k-means++, Lloyd) of Uft.Evaluation against scikit-learn on the same
// data, in one run: 10,000 x 512 float32 gallery and queries, K-means with matched k, restarts and iterations.
// Usage: dotnet run -c Release --project bench/eval [-- repeats=3 n=10000 dim=512 k=100 restarts=3 iters=20]
//        ... -- tsne=2000   times only exact t-SNE (1000 iterations) of 2000 x 512 features.
using System.Diagnostics;
using System.Text.Json;
using Uft.Evaluation;
using static TorchSharp.torch;

var arg = args.Select(a => a.Split('=', 2)).ToDictionary(p => p[0], p => p[1]);
int Arg(string name, int fallback) => arg.TryGetValue(name, out var v) ? int.Parse(v) : fallback;
int repeats = Arg("repeats", 3), n = Arg("n", 10_000), dim = Arg("dim", 512), k = Arg("k", 100), restarts = Arg("restarts", 3), iters = Arg("iters", 20);

if (Arg("tsne", 0) is int tsnePoints and > 0)
{
    using var x = randn(tsnePoints, dim, generator: new Generator(0));
    var watch = Stopwatch.StartNew();
    TSne.Embed(x).Dispose();
    Console.WriteLine($"t-SNE (exact, PCA 50, perplexity 30, 1000 iterations) of {tsnePoints} x {dim}: {watch.Elapsed.TotalSeconds:F1} s");
    return;
}

string dir = Path.Combine(Path.GetTempPath(), "uft-bench-eval");
Directory.CreateDirectory(dir);
// Class-structured features (100 classes, centre + noise) so retrieval accuracy is a meaningful check; K-means
// runs on unstructured Gaussian data so that neither side converges early and both do exactly `iters` iterations.
var gen = new Generator(0);
using var centres = randn(100, dim, generator: gen);
Tensor Sample(out int[] labels)
{
    using var l = randint(0, 100, [n], generator: gen);
    labels = l.to(ScalarType.Int32).data<int>().ToArray();
    return centres.index_select(0, l) + 3.5 * randn(n, dim, generator: gen);
}
using var gallery = Sample(out var galleryLabels);
using var queries = Sample(out var queryLabels);
using var points = randn(n, dim, generator: gen);
Save("gallery", gallery); Save("queries", queries); Save("kmeans", points);
Npy.WriteInt64(Path.Combine(dir, "gallery_labels.npy"), galleryLabels.Select(x => (long)x).ToArray(), n);
Npy.WriteInt64(Path.Combine(dir, "query_labels.npy"), queryLabels.Select(x => (long)x).ToArray(), n);

var (tRet, acc) = BestOf(() => Retrieval.TopKAccuracy(queries, queryLabels, gallery, galleryLabels, 5));
var (tKm, inertia) = BestOf(() => { var r = KMeans.Fit(points, k, restarts, seed: 0, maxIter: iters, tol: 0); r.Centroids.Dispose(); return r.Inertia; });

string script = Path.Combine(AppContext.BaseDirectory, "sklearn_bench.py");
var psi = new ProcessStartInfo("/usr/bin/python3", [script, dir, repeats.ToString(), k.ToString(), restarts.ToString(), iters.ToString()]) { RedirectStandardOutput = true };
using var python = Process.Start(psi)!;
var sk = JsonDocument.Parse(python.StandardOutput.ReadToEnd()).RootElement;
python.WaitForExit();
double skRet = sk.GetProperty("retrieval_s").GetDouble(), skKm = sk.GetProperty("kmeans_s").GetDouble();

Console.WriteLine($"bench/eval: n = {n}, dim = {dim}, best of {repeats}; torch threads {get_num_threads()}, {Environment.ProcessorCount} cores; scikit-learn {sk.GetProperty("sklearn").GetString()}");
Console.WriteLine($"{"task",-44} {"Uft (s)",9} {"sklearn (s)",12} {"sklearn/Uft",12}");
Console.WriteLine($"{$"retrieval top-5 cosine, {n} x {n}",-44} {tRet,9:F3} {skRet,12:F3} {skRet / tRet,12:F2}");
Console.WriteLine($"{$"k-means k={k}, {restarts} inits x {iters} iters",-44} {tKm,9:F3} {skKm,12:F3} {skKm / tKm,12:F2}");
Console.WriteLine($"retrieval accuracy: Uft {acc:F4}, sklearn {sk.GetProperty("retrieval_acc").GetDouble():F4}");
Console.WriteLine($"k-means inertia:    Uft {inertia:F1}, sklearn {sk.GetProperty("kmeans_inertia").GetDouble():F1} (sklearn iterations, last init: {sk.GetProperty("kmeans_iter_last_init").GetInt32()})");

void Save(string name, Tensor t) => Npy.WriteFloat32(Path.Combine(dir, name + ".npy"), t.contiguous().data<float>().ToArray(), t.shape);

(double Seconds, T Result) BestOf<T>(Func<T> run)
{
    double best = double.PositiveInfinity;
    T result = default!;
    for (int i = 0; i < repeats; i++)
    {
        var watch = Stopwatch.StartNew();
        result = run();
        best = Math.Min(best, watch.Elapsed.TotalSeconds);
    }
    return (best, result);
}
