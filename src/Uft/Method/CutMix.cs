using static TorchSharp.torch;

namespace Uft.Method;

/// <summary>
/// CutMix (Yun et al. 2019) for queries: one box per batch, as in the authors' reference <c>rand_bbox</c>
/// (and in ../shared/tools/ref_moco_step.py), pasted from each image's partner. λ is drawn from Beta(α, α),
/// the box clipped at the border, and λ then recomputed as the exact fraction of the image that was kept, so the
/// loss weights match the pixels.
/// </summary>
public static class CutMix
{
    /// <summary>Yun et al.'s <c>rand_bbox</c>: a box of side ⌊side·√(1−λ)⌋ centred at a uniform pixel, clipped.</summary>
    public static CutMixBox RandomBox(int height, int width, double lambda, Random rng)
    {
        if (height < 1 || width < 1) throw new ArgumentOutOfRangeException(nameof(height), $"image {height}x{width} is empty");
        if (!(lambda >= 0 && lambda <= 1)) throw new ArgumentOutOfRangeException(nameof(lambda), $"λ {lambda} is not in [0, 1]");
        double cutRatio = Math.Sqrt(1 - lambda);
        int cutH = (int)(height * cutRatio), cutW = (int)(width * cutRatio);
        int cy = rng.Next(height), cx = rng.Next(width);
        return new CutMixBox(
            Math.Clamp(cy - cutH / 2, 0, height), Math.Clamp(cy + cutH / 2, 0, height),
            Math.Clamp(cx - cutW / 2, 0, width), Math.Clamp(cx + cutW / 2, 0, width));
    }

    /// <summary>Pastes <paramref name="box"/> of image <c>partner[i]</c> into a copy of image i; λ = 1 − area/(H·W).</summary>
    public static MixedBatch Apply(Tensor images, long[] partner, CutMixBox box)
    {
        long h = images.shape[2], w = images.shape[3];
        using var scope = NewDisposeScope();
        var mixed = images.clone();
        if (box.Area > 0)
        {
            using var index = tensor(partner, device: images.device);
            var patch = images.index_select(0, index).narrow(2, box.Y0, box.Y1 - box.Y0).narrow(3, box.X0, box.X1 - box.X0);
            mixed.narrow(2, box.Y0, box.Y1 - box.Y0).narrow(3, box.X0, box.X1 - box.X0).copy_(patch);
        }
        double lambda = 1 - (double)box.Area / (h * w);
        return new MixedBatch(mixed.MoveToOuterDisposeScope(), partner, lambda);
    }

    /// <summary>Draws λ ~ Beta(α, α), a partner permutation and a box, and mixes.</summary>
    public static MixedBatch Mix(Tensor images, double alpha, Random rng)
    {
        double lambda = RandomDraws.Beta(alpha, alpha, rng);
        var partner = RandomDraws.Permutation((int)images.shape[0], rng);
        return Apply(images, partner, RandomBox((int)images.shape[2], (int)images.shape[3], lambda, rng));
    }
}
