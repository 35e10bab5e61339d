using Uft.Training;
using static TorchSharp.torch;

namespace Uft.Tests.Reliability;

/// <summary>The small runs the reliability tests start: a few demo images at 32 px, ResNet-18 from scratch, batch 16,
/// one loader worker, so that a run takes seconds and every run with the same seed computes the same numbers.</summary>
static class SmallRun
{
    /// <summary>A folder of the first <paramref name="count"/> demo training images (flat, unlabelled).</summary>
    public static string Target(int count)
    {
        string dir = Paths.TempDir();
        foreach (var f in Directory.GetFiles(Path.Combine(Paths.Demo, "train"), "*.jpg", SearchOption.AllDirectories).Order(StringComparer.Ordinal).Take(count))
            File.Copy(f, Path.Combine(dir, $"{Path.GetFileName(Path.GetDirectoryName(f))}_{Path.GetFileName(f)}"));
        return dir;
    }

    /// <summary>`finetune` arguments for a scratch run of <paramref name="epochs"/> epochs into output/name.</summary>
    public static string[] Args(string target, string output, string name, int epochs, params string[] more) =>
    [
        "finetune", "--target", target, "--preset", "scratch", "--epochs", epochs.ToString(), "--image-size", "32",
        "--batch-size", "16", "--workers", "1", "--seed", "7", "--name", name, "--output", output, .. more,
    ];

    public static List<EpochMetrics> Metrics(string run) => RunFolder.ReadMetrics(Path.Combine(run, "metrics.jsonl"));

    /// <summary>Asserts equal per-epoch losses and learning rates, and equal final backbone tensors, within float tolerance.</summary>
    public static void AssertSameRun(string expectedRun, string actualRun, double tolerance = 1e-4)
    {
        var expected = Metrics(expectedRun);
        var actual = Metrics(actualRun);
        Assert.Equal(expected.Select(m => (m.Epoch, m.Step)), actual.Select(m => (m.Epoch, m.Step)));
        foreach (var (e, a) in expected.Zip(actual))
        {
            Assert.True(Math.Abs(e.Loss - a.Loss) <= tolerance * Math.Max(1, Math.Abs(e.Loss)), $"epoch {e.Epoch}: loss {a.Loss}, uninterrupted {e.Loss}");
            Assert.Equal(e.Lr, a.Lr, 12);
            Assert.Equal(e.SkippedBatches, a.SkippedBatches);
        }
        AssertSameTensors(Path.Combine(expectedRun, "backbone.safetensors"), Path.Combine(actualRun, "backbone.safetensors"), tolerance);
    }

    public static void AssertSameTensors(string expectedFile, string actualFile, double tolerance)
    {
        using var scope = NewDisposeScope();
        var expected = Uft.Interop.SafeTensors.Load(expectedFile);
        var actual = Uft.Interop.SafeTensors.Load(actualFile);
        Assert.Equal(expected.Keys.Order(), actual.Keys.Order());
        foreach (var (name, e) in expected)
        {
            if (!e.is_floating_point()) { Assert.True(e.equal(actual[name]).item<bool>(), name); continue; }
            double diff = (e - actual[name]).abs().max().item<float>();
            double scale = Math.Max(1, e.abs().max().item<float>());
            Assert.True(diff <= tolerance * scale, $"{name}: differs by {diff}");
        }
    }

    /// <summary>Loads every checkpoint in the folder (each must load) and returns the newest completed epoch among them.</summary>
    public static int LoadEveryCheckpoint(string checkpoints)
    {
        int newest = 0;
        foreach (var file in Directory.GetFiles(checkpoints, "*.safetensors"))
        {
            var (tensors, info) = Checkpoint.Load(file);
            foreach (var t in tensors.Values) t.Dispose();
            newest = Math.Max(newest, info.Epoch);
        }
        return newest;
    }

    public static void Delete(string dir)
    {
        try { Directory.Delete(dir, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }
}
