using Uft.Data;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace Uft.Models;

/// <summary>
/// Turns UFT's input convention (RGB, 0..1 pixels normalised with <see cref="InputNorm"/>) into a Caffe/CNTK-style
/// one: BGR in 0..255 minus a mean image. The mean is a non-persistent buffer (it follows the module to a device but
/// is not in the state dict); a per-pixel mean is resized bilinearly to the input's height and width when they differ
/// from its own, a (3,1,1) per-channel mean simply broadcasts. No parameters: gradients pass straight through.
/// </summary>
public sealed class BgrMeanInput : Module<Tensor, Tensor>
{
    readonly float[] scale, shift;

    /// <param name="bgrMean">(3,H,W) or (3,1,1) mean in BGR order on the 0..255 scale.</param>
    /// <param name="norm">The normalisation the incoming RGB tensors carry.</param>
    public BgrMeanInput(Tensor bgrMean, InputNorm norm) : base(nameof(BgrMeanInput))
    {
        if (bgrMean.dim() != 3 || bgrMean.shape[0] != 3)
            throw new ArgumentException($"mean must be (3,H,W), got [{string.Join(",", bgrMean.shape)}]", nameof(bgrMean));
        // rgb255 = 255 * (x * std + mean): one multiply-add per channel, taken in BGR order below.
        scale = [.. norm.Std.Select(s => 255f * s).Reverse()];
        shift = [.. norm.Mean.Select(m => 255f * m).Reverse()];
        register_buffer("mean", bgrMean.detach().to(float32).unsqueeze(0).contiguous(), persistent: false);
        RegisterComponents();
    }

    /// <summary>Per BGR channel: the flipped input is multiplied by <see cref="Scale"/>, <see cref="Shift"/> is added,
    /// then <see cref="Mean"/> subtracted.</summary>
    public IReadOnlyList<float> Scale => scale;
    public IReadOnlyList<float> Shift => shift;

    /// <summary>The (1,3,H,W) BGR mean image on 0..255.</summary>
    public Tensor Mean => get_buffer("mean")!;

    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        var bgr = x.flip(1);
        var s = tensor(scale, device: x.device).view(1, 3, 1, 1);
        var b = tensor(shift, device: x.device).view(1, 3, 1, 1);
        var mean = Mean;
        if (mean.shape[2] != 1 && (mean.shape[2] != x.shape[2] || mean.shape[3] != x.shape[3]))
            mean = functional.interpolate(mean, [x.shape[2], x.shape[3]], mode: InterpolationMode.Bilinear, align_corners: false);
        return bgr.mul(s).add_(b, HeldScalar.One).sub_(mean.to(x.dtype)).MoveToOuterDisposeScope();
    }
}
