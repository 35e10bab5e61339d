using Uft.Data;
using Uft.Data.Augmentations;
using Uft.Method;
using Uft.Models;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace Uft.Tests.Method;

/// <summary>Issue 15 item 7: a queue capped at the data size holds older keys of the queries' own images.</summary>
public class SameImageNegativesTests(ITestOutputHelper output)
{
    [Fact]
    public void MaskedNegativeDropsOutOfTheLossByHand()
    {
        // q = k+ = (1, 0); queue (0, 1), (1, 0), (-1, 0) with ids 3, 5, -1; the query is image 5. T = 1:
        // logits 1 | 0, 1, -1. Unmasked: ln(e + 1 + e + 1/e) - 1 = 0.917576; slot 1 masked: ln(e + 1 + 1/e) - 1 = 0.407606.
        using var q = tensor(new float[,] { { 1, 0 } });
        using var queue = tensor(new float[,] { { 0, 1 }, { 1, 0 }, { -1, 0 } });
        using var mask = SameImageNegatives.Mask(tensor(new long[] { 5 }), tensor(new long[] { 3, 5, -1 }));
        Assert.Equal(new[] { false, true, false }, mask.data<bool>().ToArray());
        using var masked = SameImageNegatives.Apply(InfoNce.Logits(q, q, queue, 1), mask);
        Assert.Equal(new[] { 1f, 0, float.NegativeInfinity, -1 }, masked.data<float>().ToArray());
        Assert.Equal(0.917576, InfoNce.Loss(q, q, queue, 1).item<float>(), 1e-5);
        Assert.Equal(0.407606, InfoNce.Loss(q, q, queue, 1, mask).item<float>(), 1e-5);
        // T = 0.5 (logits 2 | 0, 2, -2): ln(e^2 + 1 + e^-2) - 2 = 0.142932, through the mixed loss with λ = 0.3 and
        // both keys the same, so each term is that value.
        Assert.Equal(0.142932, MixedQueryLoss.Loss(q, q, q, queue, 0.5, 0.3, mask).item<float>(), 1e-5);
    }

    [Fact]
    public void MaskedLogitsGiveFiniteLossAndGradientsEvenWhenEveryNegativeIsMasked()
    {
        using var q = tensor(new float[,] { { 0.6f, 0.8f } }).requires_grad_();
        using var queue = tensor(new float[,] { { 1, 0 }, { 0, 1 } });
        using var mask = SameImageNegatives.Mask(tensor(new long[] { 2 }), tensor(new long[] { 2, 2 }));
        using var loss = InfoNce.Loss(q, tensor(new float[,] { { 1, 0 } }), queue, 0.2, mask);
        Assert.Equal(0, loss.item<float>(), 1e-6); // only the positive is left: -log 1
        loss.backward();
        Assert.True(q.grad!.isfinite().all().item<bool>());
    }

    [Fact]
    public void MixedQueryMasksTheSlotsOfEitherImage()
    {
        // Queries of images 5 and 7 mixed with each other's (partner 1, 0); the queue holds 3, 5, -1, 7.
        using var ids = tensor(new long[] { 5, 7 });
        using var partners = tensor(new long[] { 7, 5 });
        using var mask = SameImageNegatives.Mask(ids, partners, tensor(new long[] { 3, 5, -1, 7 }));
        Assert.Equal(new[] { false, true, false, true, false, true, false, true }, mask.data<bool>().ToArray());
    }

    /// <summary>The schedule of the issue: 300 images, batch 32 (9 batches an epoch, 12 images dropped), K = 288 as
    /// <see cref="MoCo.QueueSize"/> caps it. Every image has a fixed unit vector as its key and its queries, so a
    /// same-image negative is as similar as the positive.</summary>
    [Fact]
    public void CappedQueueHoldsQueriesOwnImagesWhichOnlyTheMaskRemoves()
    {
        const int n = 300, batch = 32, epochs = 4;
        var (k, _) = MoCo.QueueSize(65536, n, batch);
        Assert.Equal(288, k);
        var loader = new Loader(Enumerable.Range(0, n).Select(i => new ImageItem($"/x/{i}.jpg", -1)).ToList(),
            [new EvalTransform(32, InputNorm.ImageNet)], new LoaderOptions(batch, Seed: 0));
        using var moco = MoCoTests.Tiny(queue: k);
        manual_seed(1);
        using var embedding = nn.functional.normalize(randn(n, 128), p: 2, dim: 1);
        int queries = 0, meetingThemselves = 0;
        long duplicateSlots = 0, slots = 0;
        double massWithout = 0, massWith = 0;
        for (int epoch = 0; epoch < epochs; epoch++)
        {
            var order = loader.Order(epoch);
            for (int b = 0; b < loader.BatchesPerEpoch; b++)
            {
                using var scope = NewDisposeScope();
                var ids = order.Skip(b * batch).Take(batch).Select(i => (long)i).ToArray();
                var queueIds = moco.QueueIds.data<long>().ToArray();
                var idsT = tensor(ids);
                var q = embedding.index_select(0, idsT);
                if (epoch > 0)
                {
                    // Where the queue holds the query's image, found without the code under test; the positive's column
                    // (0) is never one.
                    var same = new bool[batch * (k + 1)];
                    for (int i = 0; i < batch; i++)
                        for (int j = 0; j < k; j++)
                            same[i * (k + 1) + 1 + j] = queueIds[j] == ids[i];
                    var sameMass = tensor(same).reshape(batch, k + 1);
                    queries += batch;
                    meetingThemselves += ids.Count(id => queueIds.Contains(id));
                    duplicateSlots += k - queueIds.Distinct().Count();
                    slots += k;
                    var logits = InfoNce.Logits(q, q, moco.Queue, 0.2);
                    massWithout += logits.softmax(1).masked_select(sameMass).sum().item<float>();
                    var masked = SameImageNegatives.Apply(logits, SameImageNegatives.Mask(idsT, moco.QueueIds));
                    massWith += masked.softmax(1).masked_select(sameMass).sum().item<float>();
                }
                moco.Enqueue(q, idsT);
            }
        }
        output.WriteLine($"from epoch 2 on: {meetingThemselves} of {queries} queries ({100.0 * meetingThemselves / queries:F1}%) meet their own image; " +
            $"{100.0 * duplicateSlots / slots:F1}% of queue slots repeat an image; softmax mass on them {massWithout:F2} without the mask, {massWith} with it");
        // About half the queries from epoch 2 on meet an older view of themselves; many slots hold an image twice.
        Assert.InRange((double)meetingThemselves / queries, 0.4, 0.6);
        Assert.InRange((double)duplicateSlots / slots, 0.05, 0.3);
        Assert.True(massWithout > 1, $"softmax mass on same-image negatives without the mask: {massWithout}");
        Assert.Equal(0, massWith);
    }

    [Fact]
    public void StepEnqueuesIdsAndLeavesEachQueryOwnOlderKeyOutOfBothTerms()
    {
        // m = 0 and eval mode: the key encoder equals the query encoder, keys equal queries, and the first step fills
        // queue rows 0-3 with them. The second step's loss is then computable outside MoCo.
        manual_seed(0);
        using var moco = MoCoTests.Tiny(queue: 8, m: 0, shuffle: false);
        using var unmasked = MoCoTests.Tiny(queue: 8, m: 0, shuffle: false, mask: false);
        unmasked.load_state_dict(moco.state_dict());
        using var x = randn(4, 3, 32, 32);
        int[] ids = [10, 11, 12, 13];
        foreach (var m in new[] { moco, unmasked })
        {
            m.eval();
            using var first = m.Step(x, x, new Random(0), null, ids);
        }
        Assert.Equal(new long[] { 10, 11, 12, 13, -1, -1, -1, -1 }, moco.QueueIds.data<long>().ToArray());
        using var queue = moco.Queue.clone();
        using var queueIds = moco.QueueIds.clone();
        using var q = moco.QueryFeatures(x, projected: true);
        Assert.True(queue.narrow(0, 0, 4).allclose(q, atol: 1e-5));

        var mix = new MixingOptions(Kind: MixKind.MixUp);
        using var r = moco.Step(x, x, new Random(5), mix, ids);
        using var plain = unmasked.Step(x, x, new Random(5), mix, ids);
        using var idsT = tensor(ids.Select(i => (long)i).ToArray());
        using var mask = SameImageNegatives.Mask(idsT, queueIds);
        Assert.Equal(InfoNce.Loss(q, q, queue, 0.2, mask).item<float>(), r.PlainLoss, 1e-4);
        Assert.Equal(InfoNce.Loss(q, q, queue, 0.2).item<float>(), plain.PlainLoss, 1e-4);
        Assert.True(r.PlainLoss < plain.PlainLoss - 0.1, $"masked {r.PlainLoss}, unmasked {plain.PlainLoss}");
        // The mixed term: the same draws as Step makes (no key shuffle, then MixUp), each mixed query masking both images.
        using var mixed = MixUp.Mix(x, mix.Alpha, new Random(5));
        using var partner = tensor(mixed.Partner);
        using var qMix = moco.QueryFeatures(mixed.Images, projected: true);
        using var mixMask = SameImageNegatives.Mask(idsT, idsT.index_select(0, partner), queueIds);
        Assert.Equal(MixedQueryLoss.Loss(qMix, q, q.index_select(0, partner), queue, 0.2, mixed.Lambda, mixMask).item<float>(), r.MixLoss, 1e-4);
        Assert.True(r.MixLoss < plain.MixLoss - 0.1, $"masked {r.MixLoss}, unmasked {plain.MixLoss}");
        Assert.Equal(new long[] { 10, 11, 12, 13, 10, 11, 12, 13 }, moco.QueueIds.data<long>().ToArray());
        Assert.Contains("ids", Assert.Throws<ArgumentException>(() => moco.Step(x, x, new Random(0), null, [1, 2, -1, 3])).Message);
    }
}
