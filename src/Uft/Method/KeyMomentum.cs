namespace Uft.Method;

/// <summary>
/// The key encoder's momentum tied to the run's length. An exponential moving average with momentum m averages over
/// about 1/(1 − m) steps, its horizon: MoCo's 0.999 is 1000 steps of a ~10^6-step run (200 epochs of 5005 steps). A
/// 5-epoch CPU finetuning run has a few hundred steps, over which 0.999 moves the key encoder, and its freshly
/// initialised projection head, only 1 − 0.999^300 ≈ 26% of the way to the query encoder. A horizon given as a
/// fraction F of the run's steps keeps that proportion whatever the run's length.
/// </summary>
public static class KeyMomentum
{
    /// <summary>A momentum below this gets a warning from the trainer: every 5% horizon of the budget study (m 0.79-0.97)
    /// lost to MoCo's 0.999.</summary>
    public const double WarnBelow = 0.99;

    /// <summary>What the budget study measured of 5% horizons against 0.999, quoted by that warning and by
    /// <c>--key-momentum-horizon</c>'s help, so the figures live in one place.</summary>
    public const string StudyFinding = "5% horizons lost 2.5-59 retrieval points in 5-minute runs and 6.4-7.6 BCubed precision points at 224 px in 15-minute ones, docs/study.md";

    /// <summary>m = 1 − 1/(F·steps), or 0 (the key encoder copies the query encoder) when the horizon is a step or less.</summary>
    /// <example>F = 0.1 over 300 steps: a 30-step horizon, m = 1 − 1/30 ≈ 0.967.</example>
    public static double FromHorizon(double fraction, long totalSteps)
    {
        if (!(fraction > 0 && fraction <= 1)) throw UftException.Usage($"--key-momentum-horizon: {fraction} must be in (0, 1], a fraction of the run's steps, e.g. 0.1");
        if (totalSteps < 1) throw new ArgumentOutOfRangeException(nameof(totalSteps), $"a run of {totalSteps} steps has no horizon");
        double horizon = fraction * totalSteps;
        return horizon <= 1 ? 0 : 1 - 1 / horizon;
    }
}
