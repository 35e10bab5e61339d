namespace Uft.Training;

/// <summary>Where a <c>--minutes</c> re-plan changed a run's length after its cosine had begun: the cosine's phase
/// (0 at the peak, π at the end) when <paramref name="Epoch"/> epochs had trained. From there the phase runs on to π over
/// the epochs left, so the learning rate continues from the value it had instead of jumping to where a run of the new
/// length would be. Recorded in config.json (<see cref="TrainConfig.CosineBends"/>), so a resume continues the same curve.</summary>
public sealed record CosinePoint(int Epoch, double Phase);

/// <summary>
/// MoCo's learning-rate schedule: optional linear warmup, then a half-cosine from <see cref="PeakLr"/> to 0
/// (moco/main_moco.py <c>adjust_learning_rate</c> with <c>--cos</c>: lr · ½(1 + cos(π·epoch/epochs))).
/// Epochs are fractional so a trainer may update per step (epoch + i/iterations) or per epoch (whole numbers).
/// With <see cref="Bends"/> the cosine's phase is piecewise linear in the epoch through them (<see cref="Stretched"/>).
/// </summary>
public sealed record LrSchedule
{
    /// <summary>Base learning rate per 256 images for unsupervised finetuning (UFT paper) and for MoCo v2 pretraining.</summary>
    public const double FinetuneBase = 0.015, PretrainBase = 0.03;

    public double PeakLr { get; }
    public int Epochs { get; }
    public int WarmupEpochs { get; }
    /// <summary>Where re-plans bent the cosine, in order; empty: MoCo's cosine over the epochs after the warmup.</summary>
    public IReadOnlyList<CosinePoint> Bends { get; }

    public LrSchedule(double peakLr, int epochs, int warmupEpochs = 0, IReadOnlyList<CosinePoint>? bends = null)
    {
        if (!(peakLr > 0) || double.IsInfinity(peakLr)) throw UftException.Usage($"--lr: {peakLr} must be a positive number");
        if (epochs < 1) throw UftException.Usage($"--epochs: {epochs} must be at least 1");
        if (warmupEpochs < 0 || warmupEpochs >= epochs)
            throw UftException.Usage($"--warmup-epochs: {warmupEpochs} must be between 0 and epochs-1 ({epochs - 1})");
        if (BendsError(bends ?? [], epochs, warmupEpochs) is { } error) throw UftException.Usage(error);
        PeakLr = peakLr; Epochs = epochs; WarmupEpochs = warmupEpochs; Bends = bends ?? [];
    }

    /// <summary>What is wrong with <paramref name="bends"/> for a run of <paramref name="epochs"/>, or null: each after
    /// the warmup and not after the end, later than the one before, its phase in [0, π) and not below the one before. A
    /// bend at the end is a re-plan that ended the run where it stood: it keeps the rates the epochs before it trained at.</summary>
    internal static string? BendsError(IReadOnlyList<CosinePoint> bends, int epochs, int warmupEpochs)
    {
        if (bends.Count > 0 && bends[^1].Epoch > epochs)
            return $"--epochs {epochs}: the run's --minutes re-plan bent its cosine at epoch {bends[^1].Epoch}; give {bends[^1].Epoch} epochs or more";
        for (int i = 0; i < bends.Count; i++)
        {
            var (epoch, phase) = (bends[i].Epoch, bends[i].Phase);
            if (!(phase >= 0 && phase < Math.PI) || epoch <= warmupEpochs || i > 0 && (epoch <= bends[i - 1].Epoch || phase < bends[i - 1].Phase))
                return $"cosineBends: point {i + 1} (epoch {epoch}, phase {phase}) must come after the warmup and the point before, its phase in [0, pi) and not below the one before";
        }
        return null;
    }

    /// <summary>Linear scaling rule (Goyal et al. 2017): <paramref name="basePer256"/> · batch / 256.</summary>
    public static double Scaled(double basePer256, int batchSize)
    {
        if (batchSize < 1) throw UftException.Usage($"--batch-size: {batchSize} must be at least 1");
        return basePer256 * batchSize / 256;
    }

    /// <summary>The cosine's phase at (fractional) <paramref name="epoch"/>: 0 through the warmup, π at the end, linear
    /// in the epoch between those and each of <see cref="Bends"/>.</summary>
    public double PhaseAt(double epoch)
    {
        var (start, phase) = (WarmupEpochs, 0.0);
        foreach (var bend in Bends)
        {
            if (epoch < bend.Epoch) return phase + (bend.Phase - phase) * Math.Max(0, epoch - start) / (bend.Epoch - start);
            (start, phase) = (bend.Epoch, bend.Phase);
        }
        // A run that a re-plan ended at its last bend has no epoch after it.
        return Epochs <= start ? phase : phase + (Math.PI - phase) * Math.Clamp((epoch - start) / (Epochs - start), 0, 1);
    }

    /// <summary>The learning rate at (fractional) <paramref name="epoch"/>, 0-based. Warmup rises linearly as
    /// (epoch+1)/(warmup+1) so that epoch 0 never trains at lr 0 when the trainer updates once per epoch.</summary>
    public double At(double epoch) =>
        epoch < WarmupEpochs ? PeakLr * (epoch + 1) / (WarmupEpochs + 1) : PeakLr * 0.5 * (1 + Math.Cos(PhaseAt(epoch)));

    /// <summary>This schedule made <paramref name="epochs"/> long once <paramref name="done"/> epochs have trained on it.
    /// While every epoch trained had the rate a run of any length gives it (the warmup and the cosine's first epoch, at the
    /// peak), MoCo's schedule of the new length, so the run is an ordinary run of that length; after that the cosine
    /// continues from its phase at <paramref name="done"/>, a bend added to those before (the epochs trained keep the
    /// rates they had). <paramref name="epochs"/> = <paramref name="done"/> ends the run there.</summary>
    public LrSchedule Stretched(int done, int epochs) =>
        Bends.Count == 0 && done <= WarmupEpochs + 1 ? new LrSchedule(PeakLr, epochs, WarmupEpochs)
            : new LrSchedule(PeakLr, epochs, WarmupEpochs, [.. Bends, new CosinePoint(done, PhaseAt(done))]);
}
