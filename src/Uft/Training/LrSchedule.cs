namespace Uft.Training;

/// <summary>Where a <c>--minutes</c> re-plan changed a run's length after its cosine had begun: the cosine's phase
/// (0 at the peak, π at the end) when <paramref name="Epoch"/> epochs had trained. From there the phase runs on to π over
/// the epochs left, so the learning rate continues from the value it had instead of jumping to where a run of the new
/// length would be. Recorded in config.json, so a resume continues the same curve.</summary>
public sealed record CosinePoint(int Epoch, double Phase);

/// <summary>
/// MoCo's learning-rate schedule: optional linear warmup, then a half-cosine from <see cref="PeakLr"/> to 0
/// (moco/main_moco.py <c>adjust_learning_rate</c> with <c>--cos</c>: lr · ½(1 + cos(π·epoch/epochs))).
/// Epochs are fractional so a trainer may update per step (epoch + i/iterations) or per epoch (whole numbers).
/// With <see cref="From"/> the cosine's phase bends at that point (<see cref="Stretched"/>).
/// </summary>
public sealed record LrSchedule
{
    /// <summary>Base learning rate per 256 images for unsupervised finetuning (UFT paper) and for MoCo v2 pretraining.</summary>
    public const double FinetuneBase = 0.015, PretrainBase = 0.03;

    public double PeakLr { get; }
    public int Epochs { get; }
    public int WarmupEpochs { get; }
    /// <summary>Null: MoCo's cosine over the epochs after the warmup.</summary>
    public CosinePoint? From { get; }

    public LrSchedule(double peakLr, int epochs, int warmupEpochs = 0, CosinePoint? from = null)
    {
        if (!(peakLr > 0) || double.IsInfinity(peakLr)) throw UftException.Usage($"--lr: {peakLr} must be a positive number");
        if (epochs < 1) throw UftException.Usage($"--epochs: {epochs} must be at least 1");
        if (warmupEpochs < 0 || warmupEpochs >= epochs)
            throw UftException.Usage($"--warmup-epochs: {warmupEpochs} must be between 0 and epochs-1 ({epochs - 1})");
        if (from is not null && (from.Epoch < warmupEpochs || from.Epoch >= epochs || from.Phase is < 0 or >= Math.PI))
            throw UftException.Usage($"--epochs {epochs}: the run's --minutes re-plan continued its cosine from epoch {from.Epoch}; give more epochs than that");
        PeakLr = peakLr; Epochs = epochs; WarmupEpochs = warmupEpochs; From = from;
    }

    /// <summary>Linear scaling rule (Goyal et al. 2017): <paramref name="basePer256"/> · batch / 256.</summary>
    public static double Scaled(double basePer256, int batchSize)
    {
        if (batchSize < 1) throw UftException.Usage($"--batch-size: {batchSize} must be at least 1");
        return basePer256 * batchSize / 256;
    }

    /// <summary>The cosine's phase at (fractional) <paramref name="epoch"/>: 0 through the warmup, π at the end, linear
    /// in the epoch between those and <see cref="From"/> (before it, what a run bent once trained at; a run bent twice
    /// trained its earliest epochs on a curve this no longer holds).</summary>
    public double PhaseAt(double epoch)
    {
        var (start, phase, end, endPhase) = From is not { } f ? (WarmupEpochs, 0.0, Epochs, Math.PI)
            : epoch >= f.Epoch ? (f.Epoch, f.Phase, Epochs, Math.PI) : (WarmupEpochs, 0.0, f.Epoch, f.Phase);
        return phase + (endPhase - phase) * Math.Clamp((epoch - start) / (end - start), 0, 1);
    }

    /// <summary>The learning rate at (fractional) <paramref name="epoch"/>, 0-based. Warmup rises linearly as
    /// (epoch+1)/(warmup+1) so that epoch 0 never trains at lr 0 when the trainer updates once per epoch.</summary>
    public double At(double epoch) =>
        epoch < WarmupEpochs ? PeakLr * (epoch + 1) / (WarmupEpochs + 1) : PeakLr * 0.5 * (1 + Math.Cos(PhaseAt(epoch)));

    /// <summary>This schedule made <paramref name="epochs"/> long once <paramref name="done"/> epochs have trained on it.
    /// While every epoch trained had the rate a run of any length gives it (the warmup and the cosine's first epoch, at the
    /// peak), MoCo's schedule of the new length, so the run is an ordinary run of that length; after that the cosine
    /// continues from its phase at <paramref name="done"/> (<see cref="CosinePoint"/>).</summary>
    public LrSchedule Stretched(int done, int epochs) =>
        From is null && done <= WarmupEpochs + 1 ? new LrSchedule(PeakLr, epochs, WarmupEpochs)
            : new LrSchedule(PeakLr, epochs, WarmupEpochs, new CosinePoint(done, PhaseAt(done)));
}
