namespace Uft.Training;

/// <summary>The running sums of an epoch stopped part-way (Ctrl-C), saved in its checkpoint so the resumed epoch
/// reports the same mean losses as an uninterrupted one.</summary>
public sealed record PartialEpoch(double LossSum, double PlainLossSum, double MixLossSum, int Trained, int Skipped, int Images, double Seconds);
