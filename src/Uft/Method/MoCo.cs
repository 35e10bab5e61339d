using TorchSharp;
using TorchSharp.Modules;
using Uft.Models;
using ResNet = Uft.Models.ResNet;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace Uft.Method;

/// <summary>
/// MoCo v2 (He et al. 2020; Chen et al. 2020), following facebookresearch/moco <c>moco/builder.py</c>, with the
/// mixed-query term of unsupervised finetuning (Li et al. 2021). A query encoder (backbone + <see cref="ProjectionHead"/>)
/// is trained by the caller's optimizer; the key encoder is its momentum average; a queue holds the last K keys as
/// negatives. Parameter names are MoCo's (<c>encoder_q.conv1.weight</c>, <c>encoder_q.fc.0.weight</c>, <c>encoder_k.…</c>,
/// <c>queue</c>) so MoCo v2 checkpoints map by dropping <c>module.</c>. Two differences: the queue is stored (K, dim),
/// a key per row, where builder.py keeps (dim, K); and <c>queue_ids</c> holds each key's image id, so that a query's
/// older keys can be left out of its negatives (<see cref="SameImageNegatives"/>, needed when K is near the data size).
/// <example><code>
/// using var moco = new MoCo(() => ResNet.ResNet18(SplitBatchNorm.Factory(8)), new MoCoOptions(QueueSize: 4096));
/// optimizer.zero_grad();
/// using var r = moco.Step(imQ, imK, RandomDraws.ForStep(seed, step), new MixingOptions(), batch.Indices);
/// r.Loss.backward(); optimizer.step();
/// </code></example>
/// </summary>
public sealed class MoCo : Module
{
    readonly Encoder encoder_q, encoder_k;
    readonly Tensor queue, queue_ids;
    readonly HeldScalar keep = new(), blend = new(), plainWeight = new();

    /// <summary>The options; settable so a trainer can fix the key momentum once the run's length is known.</summary>
    public MoCoOptions Options { get => options; set => options = value.Validated(); }
    MoCoOptions options;
    /// <summary>What the views given to <see cref="Step"/> are: 0, images; k, feature maps after the stem and the first k
    /// stages (a <c>ViewCache</c>'s, where those stages are frozen), which the encoders continue from.</summary>
    public int ViewStage { get; set; }
    /// <summary>Row of the queue that the next key is written to.</summary>
    public long QueuePointer { get; set; }
    /// <summary>The query encoder's backbone: the network that finetuning produces.</summary>
    public ResNet QueryBackbone => encoder_q.Backbone;
    /// <summary>The queue (K, dim) of L2-normalised keys, a buffer of this module.</summary>
    public Tensor Queue => queue;
    /// <summary>The image id of each queue row (K, int64), −1 for the random initial rows, a buffer of this module.</summary>
    public Tensor QueueIds => queue_ids;

    /// <summary>
    /// Builds both encoders by calling <paramref name="backbone"/> twice, then sets the key encoder to the query
    /// encoder's state (so pretrained weights loaded by the factory, or later by <see cref="CopyQueryToKey"/>, reach both).
    /// </summary>
    public MoCo(Func<ResNet> backbone, MoCoOptions options) : base(nameof(MoCo))
    {
        this.options = options.Validated();
        encoder_q = new Encoder(backbone(), options.Dim);
        encoder_k = new Encoder(backbone(), options.Dim);
        register_module("encoder_q", encoder_q);
        register_module("encoder_k", encoder_k);
        CopyQueryToKey();
        foreach (var p in encoder_k.parameters()) p.requires_grad = false;
        queue = functional.normalize(randn(options.QueueSize, options.Dim), p: 2, dim: 1);
        register_buffer("queue", queue);
        queue_ids = tensor(Enumerable.Repeat(-1L, options.QueueSize).ToArray());
        register_buffer("queue_ids", queue_ids);
    }

    /// <summary>
    /// The queue size for a data set: <paramref name="requested"/> (MoCo's 65536) capped at the number of training
    /// images, since a larger queue would hold several stale keys of the same image, rounded down to a multiple of
    /// the batch size. Notice is a sentence for the user when the value differs from the request, else null.
    /// </summary>
    public static (int Size, string? Notice) QueueSize(int requested, int datasetSize, int batchSize)
    {
        if (requested < 1) throw UftException.Usage($"--queue-size: {requested} must be at least 1");
        if (batchSize < 1) throw UftException.Usage($"--batch-size: {batchSize} must be at least 1");
        if (datasetSize < batchSize)
            throw UftException.Usage($"--batch-size: {batchSize} is more than the {datasetSize} training images; use a smaller batch");
        int capped = Math.Min(requested, datasetSize);
        int size = Math.Max(batchSize, capped / batchSize * batchSize);
        if (size == requested) return (size, null);
        string why = capped < requested ? $"capped at the {datasetSize} training images" : "";
        string rounded = size != capped ? $"{(why.Length > 0 ? " and " : "")}rounded down to a multiple of the batch size {batchSize}" : "";
        return (size, $"queue size {requested} {why}{rounded}: using {size}");
    }

    /// <summary>
    /// One MoCo step, as builder.py's <c>forward</c> plus the optional mixed-query term: momentum-updates the key
    /// encoder (before the key forward, as in MoCo), encodes keys without gradient (shuffled, see
    /// <see cref="MoCoOptions.ShuffleKeys"/>), computes the loss against a snapshot of the queue, and enqueues the
    /// keys. The caller zeroes gradients before, and runs backward and the optimizer step after.
    /// </summary>
    /// <param name="imQ">Query views (N, 3, H, W), or maps at <see cref="ViewStage"/> (CutMix then boxes the map's grid).</param>
    /// <param name="imK">Key views of the same images, alike.</param>
    /// <param name="rng">The step's random draws (key shuffle, mixing); see <see cref="RandomDraws.ForStep"/>.</param>
    /// <param name="mix">The mixed-query term and the plain term's weight beside it, or null for plain MoCo.</param>
    /// <param name="ids">Each image's id (non-negative, unique per image of the data set), enqueued with its key; with
    /// <see cref="MoCoOptions.MaskSameImage"/> the negatives holding a query's own image are left out. Null: no ids.</param>
    public MoCoStepResult Step(Tensor imQ, Tensor imK, Random rng, MixingOptions? mix = null, IReadOnlyList<int>? ids = null)
    {
        if (imQ.shape[0] != imK.shape[0]) throw new ArgumentException($"query batch {imQ.shape[0]} and key batch {imK.shape[0]} differ", nameof(imK));
        if (ids is not null && (ids.Count != imQ.shape[0] || ids.Any(i => i < 0)))
            throw new ArgumentException($"need {imQ.shape[0]} non-negative image ids, one per query", nameof(ids));
        mix?.Validated();
        using var scope = NewDisposeScope();
        Tensor k;
        using (no_grad())
        {
            MomentumUpdate();
            k = KeyFeatures(imK, rng);
        }
        // The momentum update changes only the key encoder, so encoding the queries after the keys is builder.py's step;
        // the mixing is drawn after the key shuffle, the order the step's random draws have always had.
        using var mixed = mix is null ? null : mix.Kind == MixKind.CutMix ? CutMix.Mix(imQ, mix.Alpha, rng) : MixUp.Mix(imQ, mix.Alpha, rng);
        // Trained on the mixed term alone, the plain queries are never encoded: the step then costs about what a naive
        // step does (one query forward and backward) instead of half as much again.
        var (q, qMix) = Queries(imQ, mixed?.Images, plain: mix is not { MixedTermAlone: true });
        // Keys are enqueued before the caller's backward, which still needs the negatives of this step.
        var negatives = queue.clone();
        var idsT = ids is null ? null : tensor(ids.Select(i => (long)i).ToArray(), device: queue_ids.device);
        var exclude = idsT is not null && Options.MaskSameImage ? SameImageNegatives.Mask(idsT, queue_ids) : null;
        double T = Options.Temperature;
        var plain = q is null ? null : InfoNce.Loss(q, k, negatives, T, exclude);
        var loss = plain;
        double mixLoss = double.NaN, lambda = double.NaN;
        if (mix is not null && mixed is not null && qMix is not null)
        {
            var partner = tensor(mixed.Partner, device: k.device);
            var kPartner = k.index_select(0, partner);
            // A mixed query holds two images: a key of either is no negative.
            var excludeMix = exclude is null ? null : SameImageNegatives.Mask(idsT!, idsT!.index_select(0, partner), queue_ids);
            var mixTerm = MixedQueryLoss.Loss(qMix, k, kPartner, negatives, T, mixed.Lambda, excludeMix);
            loss = plain is null ? mixTerm : mixTerm.add(plain, plainWeight.Of(mix.PlainWeight));
            mixLoss = mixTerm.@float().item<float>();
            lambda = mixed.Lambda;
        }
        double positive = double.NaN;
        if (q is not null) using (no_grad()) positive = (q * k).sum(1).mean().@float().item<float>();
        Enqueue(k, idsT);
        return new MoCoStepResult(loss!.MoveToOuterDisposeScope(), plain is null ? double.NaN : plain.@float().item<float>(), mixLoss, positive, lambda);
    }

    // The plain and mixed queries' normalised features. Where batch norm keeps its statistics both batches go through the
    // encoder as one (fewer, larger calls cost less on the CPU; each image's features are the same function of it); where
    // batch norm trains, each batch is its own forward, so its statistics are its own, as builder.py's step has them.
    (Tensor? Q, Tensor? QMix) Queries(Tensor imQ, Tensor? mixed, bool plain)
    {
        Tensor Encode(Tensor x) => functional.normalize(encoder_q.Project(x, ViewStage), p: 2, dim: 1);
        if (mixed is null) return (Encode(imQ), null);
        if (!plain) return (null, Encode(mixed));
        if (encoder_q.modules().Any(m => m is BatchNorm or SplitBatchNorm && m.training)) return (Encode(imQ), Encode(mixed));
        long n = imQ.shape[0];
        var both = Encode(cat([imQ, mixed], 0));
        return (both.narrow(0, 0, n), both.narrow(0, n, n));
    }

    /// <summary>θ_k ← m·θ_k + (1−m)·θ_q for every parameter, in place (buffers such as BN statistics are not averaged, as in MoCo).</summary>
    public void MomentumUpdate()
    {
        using var _ = no_grad();
        using var scope = NewDisposeScope();
        double m = Options.Momentum;
        foreach (var (pq, pk) in encoder_q.parameters().Zip(encoder_k.parameters()))
            if (pq.requires_grad) // a frozen stage is the same in both encoders; m·θ + (1−m)·θ would only round it
                pk.mul_(keep.Of(m)).add_(pq, alpha: blend.Of(1 - m));
    }

    /// <summary>Writes <paramref name="keys"/> (n, dim) and their image <paramref name="ids"/> (n, int64; null = −1, unknown)
    /// at <see cref="QueuePointer"/>, wrapping around the end in two slices, so neither K % n == 0 nor full batches are required.</summary>
    public void Enqueue(Tensor keys, Tensor? ids = null)
    {
        long n = keys.shape[0], size = queue.shape[0];
        if (n > size) throw new ArgumentException($"{n} keys do not fit a queue of {size}", nameof(keys));
        using var _ = no_grad();
        using var scope = NewDisposeScope();
        ids ??= tensor(Enumerable.Repeat(-1L, (int)n).ToArray(), device: queue_ids.device);
        long first = Math.Min(n, size - QueuePointer);
        foreach (var (buffer, rows) in new[] { (queue, keys), (queue_ids, ids) })
        {
            buffer.narrow(0, QueuePointer, first).copy_(rows.narrow(0, 0, first));
            if (n > first) buffer.narrow(0, 0, n - first).copy_(rows.narrow(0, first, n - first));
        }
        QueuePointer = (QueuePointer + n) % size;
    }

    /// <summary>Sets every key-encoder parameter and buffer to the query encoder's (MoCo's initialisation).</summary>
    public void CopyQueryToKey()
    {
        using var _ = no_grad();
        using var scope = NewDisposeScope();
        foreach (var (pq, pk) in encoder_q.parameters().Zip(encoder_k.parameters())) pk.copy_(pq);
        foreach (var (bq, bk) in encoder_q.buffers().Zip(encoder_k.buffers())) bk.copy_(bq);
    }

    /// <summary>Query-encoder features for monitors, without gradient: the backbone's pooled features (N, FeatureDim),
    /// or with <paramref name="projected"/> the L2-normalised head output (N, dim).</summary>
    public Tensor QueryFeatures(Tensor x, bool projected = false)
    {
        using var _ = no_grad();
        using var scope = NewDisposeScope();
        var f = projected ? functional.normalize(encoder_q.call(x), p: 2, dim: 1) : encoder_q.Backbone.call(x);
        return f.MoveToOuterDisposeScope();
    }

    /// <summary>Keeps the stem and the first <paramref name="stages"/> stages of both encoders as they are
    /// (<see cref="FrozenStages"/>) and lets
    /// the query encoder's other stages train again; call it before building the optimizer and after each <c>train()</c>.</summary>
    public void FreezeStages(int stages)
    {
        // The key encoder never takes gradients (it follows the query by EMA); only the query thaws.
        foreach (var (_, p) in encoder_q.Backbone.named_parameters()) p.requires_grad = true;
        FrozenStages.Apply(encoder_q.Backbone, stages);
        FrozenStages.Apply(encoder_k.Backbone, stages);
    }

    /// <summary>The parameters the optimizer trains, with their state-dict names (<c>encoder_q.…</c>): those that take
    /// gradients (not the stages <see cref="FrozenStages"/> keeps).</summary>
    public IEnumerable<(string Name, Parameter Parameter)> QueryParameters() =>
        encoder_q.named_parameters().Where(p => p.parameter.requires_grad).Select(p => ("encoder_q." + p.name, p.parameter));

    // builder.py's _batch_shuffle_ddp / _batch_unshuffle_ddp on one device: permute, encode, restore the order.
    Tensor KeyFeatures(Tensor imK, Random rng)
    {
        using var scope = NewDisposeScope();
        if (!Options.ShuffleKeys)
            return functional.normalize(encoder_k.Project(imK, ViewStage), p: 2, dim: 1).MoveToOuterDisposeScope();
        var shuffle = tensor(RandomDraws.Permutation((int)imK.shape[0], rng), device: imK.device);
        var k = functional.normalize(encoder_k.Project(imK.index_select(0, shuffle), ViewStage), p: 2, dim: 1);
        return k.index_select(0, shuffle.argsort()).MoveToOuterDisposeScope();
    }

    /// <summary>Backbone + projection head. The backbone's children are registered directly (conv1, layer1, …) and the
    /// head as <c>fc</c>, which gives MoCo's names for a torchvision ResNet whose fc became the MLP.</summary>
    sealed class Encoder : Module<Tensor, Tensor>
    {
        // TorchSharp also registers a module's Module-typed fields by their field names (state_dict would then hold
        // every weight twice, as "<Backbone>k__BackingField.*" and "head.*"): the backbone is reached through a
        // delegate, and the head's field is named like its registered name.
        readonly Func<ResNet> backbone;
        readonly Sequential fc;

        public ResNet Backbone => backbone();

        public Encoder(ResNet backbone, int dim) : base(nameof(Encoder))
        {
            this.backbone = () => backbone;
            fc = ProjectionHead.Create(backbone.FeatureDim, dim);
            foreach (var (name, child) in backbone.named_children()) register_module(name, child);
            register_module("fc", fc);
        }

        public override Tensor forward(Tensor x) => Project(x, 0);

        /// <summary>The head's output for <paramref name="x"/>, images or maps after <paramref name="fromStage"/> stages.</summary>
        public Tensor Project(Tensor x, int fromStage)
        {
            using var scope = NewDisposeScope();
            return fc.call(Backbone.Forward(x, fromStage)).MoveToOuterDisposeScope();
        }
    }
}
