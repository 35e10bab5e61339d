namespace Uft.Data;

/// <summary>The per-channel RGB mean and standard deviation (on 0..1 pixels) a backbone expects its input normalised with.</summary>
public sealed record InputNorm(float[] Mean, float[] Std)
{
    public static InputNorm ImageNet { get; } = new([0.485f, 0.456f, 0.406f], [0.229f, 0.224f, 0.225f]);
}
