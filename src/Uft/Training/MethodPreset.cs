namespace Uft.Training;

/// <summary>
/// The method presets in one table, which the trainer, <c>uft compare</c>'s arms and the command line share: what each
/// starts from and which of the paper's two additions (sparse source replay, mixed queries) it uses.
/// </summary>
/// <param name="Name">As <c>--preset</c> and <c>--arms</c> take it.</param>
/// <param name="RandomInit">Starts from random weights (MoCo v2 pretraining) rather than the pretrained backbone.</param>
/// <param name="Replays">Replays source images (needs <c>--source</c>).</param>
/// <param name="Mixes">Adds the mixed-query loss (CutMix unless <c>--mixing mixup</c>).</param>
/// <param name="Description">What it is, for reports.</param>
public sealed record MethodPreset(string Name, bool RandomInit, bool Replays, bool Mixes, string Description)
{
    public static readonly IReadOnlyList<MethodPreset> All =
    [
        new("uft", false, true, true, "finetuning with source replay and mixed queries (UFT)"),
        new("naive", false, false, false, "MoCo v2 finetuning on the target images"),
        new("replay-only", false, true, false, "finetuning with source images replayed"),
        new("mix-only", false, false, true, "finetuning with mixed (CutMix/MixUp) queries"),
        new("scratch", true, false, false, "MoCo v2 from random weights on the target images"),
        new("pretrain", true, false, false, "MoCo v2 pretraining from random weights"),
    ];

    /// <summary>The names, for an error that lists them.</summary>
    public static string Names => string.Join(", ", All.Select(p => p.Name));

    public static MethodPreset? Find(string name) => All.FirstOrDefault(p => p.Name == name);

    /// <summary>The preset of that name, or a one-line usage error naming the choices.</summary>
    public static MethodPreset Get(string name) =>
        Find(name) ?? throw UftException.Usage($"--preset {name}: unknown preset; choose one of: {Names}");

    /// <summary>This preset's switches on top of <paramref name="c"/>: no source without replay, CutMix where it mixes
    /// and nothing asked otherwise, the pretraining learning rate and a weight-free architecture from random weights.</summary>
    public TrainConfig Apply(TrainConfig c) => c with
    {
        Preset = Name,
        RandomInit = RandomInit,
        Source = Replays ? c.Source : null,
        Mixing = !Mixes ? Mixing.None : c.Mixing == Mixing.None ? Mixing.CutMix : c.Mixing,
        BaseLr = RandomInit ? LrSchedule.PretrainBase : c.BaseLr,
        Backbone = RandomInit && c.Backbone == TrainConfig.DefaultBackbone ? TrainConfig.DefaultScratchBackbone : c.Backbone,
    };
}
