using TorchSharp;
using static TorchSharp.torch;

namespace Uft.Data;

/// <summary>
/// One batch from a <see cref="Loader"/>: per view a float32 tensor N x 3 x S x S (normalised), and per row the
/// label, source tag and index into the loader's item list. Dispose it (or move the tensors to a dispose scope).
/// </summary>
public sealed class Batch : IDisposable
{
    public Tensor[] Views { get; }
    public int[] Labels { get; }
    public int[] Sources { get; }
    public int[] Indices { get; }
    public int Count => Indices.Length;

    public Batch(Tensor[] views, int[] labels, int[] sources, int[] indices)
    {
        if (labels.Length != indices.Length || sources.Length != indices.Length || views.Any(v => v.shape[0] != indices.Length))
            throw new ArgumentException("views, labels, sources and indices must have one row per item");
        Views = views; Labels = labels; Sources = sources; Indices = indices;
    }

    public void Dispose()
    {
        foreach (var v in Views) v.Dispose();
    }
}
