using static TorchSharp.torch;

namespace Uft.Evaluation;

/// <summary>Writes extracted features for use outside UFT: features.npy (float32, N x D), labels.npy (int64, N;
/// -1 where unlabelled) and paths.txt (one image path a line, same order).</summary>
public static class Embeddings
{
    public static void Write(string folder, Tensor features, int[] labels, IReadOnlyList<string> paths)
    {
        if (features.dim() != 2 || features.shape[0] != labels.Length || labels.Length != paths.Count)
            throw new ArgumentException($"features {string.Join('x', features.shape)}, {labels.Length} labels and {paths.Count} paths do not line up");
        AtomicFile.CreateDirectory(folder);
        using var f = features.detach().to(ScalarType.Float32).contiguous();
        Npy.WriteFloat32(Path.Combine(folder, "features.npy"), f.data<float>().ToArray(), f.shape);
        Npy.WriteInt64(Path.Combine(folder, "labels.npy"), labels.Select(l => (long)l).ToArray(), labels.Length);
        AtomicFile.WriteAllText(Path.Combine(folder, "paths.txt"), string.Concat(paths.Select(p => p + "\n")));
    }
}
