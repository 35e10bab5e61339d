namespace Uft.Training;

/// <summary>
/// MoCo's learning-rate schedule: optional linear warmup, then a half-cosine from <see cref="PeakLr"/> to 0
/// (moco/main_moco.py <c>adjust_learning_rate</c> with <c>--cos</c>: lr · ½(1 + cos(π·epoch/epochs))).
/// Epochs are fractional so a trainer may update per step (epoch + i/iterations) or per epoch (whole numbers).
/// </summary>
public sealed record LrSchedule
{
    /// <summary>Base learning rate per 256 images for unsupervised finetuning (UFT paper) and for MoCo v2 pretraining.</summary>
    public const double FinetuneBase = 0.015, PretrainBase = 0.03;

    public double PeakLr { get; }
    public int Epochs { get; }
    public int WarmupEpochs { get; }

    public LrSchedule(double peakLr, int epochs, int warmupEpochs = 0)
    {
        if (!(peakLr > 0) || double.IsInfinity(peakLr)) throw UftException.Usage($"--lr: {peakLr} must be a positive number");
        if (epochs < 1) throw UftException.Usage($"--epochs: {epochs} must be at least 1");
        if (warmupEpochs < 0 || warmupEpochs >= epochs)
            throw UftException.Usage($"--warmup-epochs: {warmupEpochs} must be between 0 and epochs-1 ({epochs - 1})");
        PeakLr = peakLr; Epochs = epochs; WarmupEpochs = warmupEpochs;
    }

    /// <summary>Linear scaling rule (Goyal et al. 2017): <paramref name="basePer256"/> · batch / 256.</summary>
    public static double Scaled(double basePer256, int batchSize)
    {
        if (batchSize < 1) throw UftException.Usage($"--batch-size: {batchSize} must be at least 1");
        return basePer256 * batchSize / 256;
    }

    /// <summary>The learning rate at (fractional) <paramref name="epoch"/>, 0-based. Warmup rises linearly as
    /// (epoch+1)/(warmup+1) so that epoch 0 never trains at lr 0 when the trainer updates once per epoch.</summary>
    public double At(double epoch) =>
        epoch < WarmupEpochs ? PeakLr * (epoch + 1) / (WarmupEpochs + 1) : PeakLr * 0.5 * (1 + Math.Cos(Math.PI * Math.Clamp((epoch - WarmupEpochs) / (Epochs - WarmupEpochs), 0, 1)));
}
