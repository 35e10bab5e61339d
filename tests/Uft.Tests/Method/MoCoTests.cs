using Uft.Method;
using Uft.Models;
using static TorchSharp.torch;

namespace Uft.Tests.Method;

public class MoCoTests
{
    // A ResNet-10 (one block per stage) keeps the tests fast; the MoCo logic does not depend on depth.
    internal static MoCo Tiny(int queue = 8, double m = 0.999, bool shuffle = true, int splits = 2, bool mask = true) =>
        new(() => new ResNet("resnet10", false, [1, 1, 1, 1], SplitBatchNorm.Factory(splits)), new MoCoOptions(QueueSize: queue, Momentum: m, ShuffleKeys: shuffle, MaskSameImage: mask));

    [Fact]
    public void KeyEncoderStartsEqualToQueryEncoderWithoutGradientsAndMoCoNames()
    {
        using var moco = Tiny();
        var sd = moco.state_dict();
        Assert.Contains("encoder_q.conv1.weight", sd.Keys);
        Assert.Contains("encoder_q.fc.0.weight", sd.Keys);
        Assert.Contains("encoder_k.fc.2.bias", sd.Keys);
        Assert.Contains("encoder_k.layer4.0.bn2.running_var", sd.Keys);
        Assert.Equal(new long[] { 8, 128 }, sd["queue"].shape);
        Assert.Equal(Enumerable.Repeat(-1L, 8), sd["queue_ids"].data<long>().ToArray());
        // Each weight once: the backbone's keys and the head's under each encoder, the queue and its ids; nothing twice.
        using var reference = new ResNet("resnet10", false, [1, 1, 1, 1], SplitBatchNorm.Factory(2));
        int backboneKeys = reference.state_dict().Count, headKeys = 4;
        Assert.Equal(2 * (backboneKeys + headKeys) + 2, sd.Count);
        Assert.Equal(reference.parameters().Count() + headKeys, moco.QueryParameters().Count());
        foreach (var key in sd.Keys.Where(k => k.StartsWith("encoder_q.")))
            Assert.True(sd[key].equal(sd["encoder_k." + key["encoder_q.".Length..]]).all().item<bool>(), key);
        Assert.All(moco.named_parameters().Where(p => p.name.StartsWith("encoder_k.")), p => Assert.False(p.parameter.requires_grad));
        Assert.All(moco.QueryParameters(), p => Assert.True(p.Parameter.requires_grad));
        // Queue rows are unit vectors.
        using var norms = moco.Queue.norm(1);
        Assert.True(norms.sub(1).abs().max().item<float>() < 1e-5);
    }

    [Fact]
    public void MomentumUpdateIsTheMovingAverageInPlace()
    {
        using var moco = Tiny(m: 0.9);
        var q = moco.named_parameters().Single(p => p.name == "encoder_q.fc.2.bias").parameter;
        var k = moco.named_parameters().Single(p => p.name == "encoder_k.fc.2.bias").parameter;
        using (no_grad()) q.add_(1.0); // now theta_q = theta_k + 1
        using var before = k.clone();
        using var view = k.detach(); // shares storage: sees the update only if it is in place
        moco.MomentumUpdate();
        // theta_k' = 0.9 theta_k + 0.1 (theta_k + 1) = theta_k + 0.1
        Assert.True(k.sub(before).sub(0.1).abs().max().item<float>() < 1e-6);
        Assert.True(view.sub(before).sub(0.1).abs().max().item<float>() < 1e-6);
    }

    [Fact]
    public void EnqueueWritesAtThePointerAndWrapsAroundInTwoSlices()
    {
        using var moco = Tiny(queue: 5);
        using var a = arange(3).unsqueeze(1).expand(3, 128).to(float32);          // rows 0, 1, 2
        using var b = arange(10, 13).unsqueeze(1).expand(3, 128).to(float32);     // rows 10, 11, 12
        moco.Enqueue(a);
        Assert.Equal(3, moco.QueuePointer);
        moco.Enqueue(b);
        // 10, 11 go to rows 3, 4; 12 wraps to row 0; rows 1, 2 still hold 1, 2.
        Assert.Equal(1, moco.QueuePointer);
        Assert.Equal(new float[] { 12, 1, 2, 10, 11 }, moco.Queue.select(1, 0).data<float>().ToArray());
        Assert.Equal(new float[] { 12, 1, 2, 10, 11 }, moco.Queue.select(1, 127).data<float>().ToArray());
        using var shortBatch = full(2, 128, 7f);
        moco.Enqueue(shortBatch);
        Assert.Equal(3, moco.QueuePointer);
        Assert.Equal(new float[] { 12, 7, 7, 10, 11 }, moco.Queue.select(1, 0).data<float>().ToArray());
    }

    [Theory]
    [InlineData(65536, 3030, 64, 3008, true)]   // capped at the data set, rounded down to 47 batches
    [InlineData(65536, 100000, 256, 65536, false)]
    [InlineData(1000, 100000, 64, 960, true)]    // not capped but rounded
    [InlineData(4096, 4096, 64, 4096, false)]
    [InlineData(100, 70, 64, 64, true)]          // never below one batch
    public void QueueSizeIsCappedAtTheDataSetAndRoundedToBatches(int requested, int data, int batch, int expected, bool notice)
    {
        var (size, message) = MoCo.QueueSize(requested, data, batch);
        Assert.Equal(expected, size);
        Assert.Equal(notice, message is not null);
        if (message is not null) Assert.Contains(expected.ToString(), message);
    }

    [Fact]
    public void QueueSizeAndOptionsRejectBadValuesNamingTheOption()
    {
        Assert.Contains("--batch-size", Assert.Throws<UftException>(() => MoCo.QueueSize(65536, 10, 64)).Message);
        Assert.Contains("--queue-size", Assert.Throws<UftException>(() => MoCo.QueueSize(0, 10, 4)).Message);
        Assert.Contains("--key-momentum", Assert.Throws<UftException>(() => new MoCoOptions(Momentum: 1).Validated()).Message);
        Assert.Contains("--temperature", Assert.Throws<UftException>(() => new MoCoOptions(Temperature: 0).Validated()).Message);
    }

    [Fact]
    public void StepCombinesPlainAndMixedTermsTrainsOnlyTheQueryEncoderAndEnqueuesKeys()
    {
        manual_seed(0);
        using var moco = Tiny(queue: 6);
        moco.train();
        using var imQ = randn(4, 3, 32, 32);
        using var imK = randn(4, 3, 32, 32);
        using var queueBefore = moco.Queue.clone();
        using var r = moco.Step(imQ, imK, new Random(1), new MixingOptions());
        Assert.Equal(r.PlainLoss + r.MixLoss, r.Loss.item<float>(), 1e-4);
        Assert.InRange(r.Lambda, 0, 1);
        Assert.InRange(r.PositiveSimilarity, -1, 1);
        // Random features against 6 negatives: each InfoNCE term is near ln(7) = 1.95, certainly in (0, 20).
        Assert.InRange(r.PlainLoss, 0.01, 20);
        r.Loss.backward();
        Assert.All(moco.QueryParameters(), p => Assert.NotNull(p.Parameter.grad));
        Assert.All(moco.named_parameters().Where(p => p.name.StartsWith("encoder_k.")), p => Assert.Null(p.parameter.grad));
        // Four keys went to rows 0..3 (unit norm), rows 4, 5 untouched; the pointer wrapped to 4.
        Assert.Equal(4, moco.QueuePointer);
        using var norms = moco.Queue.narrow(0, 0, 4).norm(1);
        Assert.True(norms.sub(1).abs().max().item<float>() < 1e-5);
        Assert.False(moco.Queue.narrow(0, 0, 4).equal(queueBefore.narrow(0, 0, 4)).all().item<bool>());
        Assert.True(moco.Queue.narrow(0, 4, 2).equal(queueBefore.narrow(0, 4, 2)).all().item<bool>());

        using var alone = moco.Step(imQ, imK, new Random(2), new MixingOptions(Kind: MixKind.MixUp, PlainWeight: 0));
        Assert.Equal(alone.MixLoss, alone.Loss.item<float>(), 1e-5);
        using var plain = moco.Step(imQ, imK, new Random(3));
        Assert.Equal(plain.PlainLoss, plain.Loss.item<float>(), 1e-5);
        Assert.True(double.IsNaN(plain.MixLoss) && double.IsNaN(plain.Lambda));
    }

    /// <summary>Two MoCos in the same state take one step on the same images under the same draws (key shuffle, mix):
    /// the paper's sum of the two terms, and the plain term at <paramref name="weight"/>.</summary>
    sealed record TwinSteps(MoCo Sum, MoCo Weighted, MoCoStepResult One, MoCoStepResult W) : IDisposable
    {
        public static TwinSteps Take(double weight, int draws)
        {
            manual_seed(0);
            var sum = Tiny(queue: 6);
            var weighted = Tiny(queue: 6);
            weighted.load_state_dict(sum.state_dict());
            sum.train(); weighted.train();
            using var imQ = randn(4, 3, 32, 32);
            using var imK = randn(4, 3, 32, 32);
            return new(sum, weighted, sum.Step(imQ, imK, new Random(draws), new MixingOptions(), [0, 1, 2, 3]),
                weighted.Step(imQ, imK, new Random(draws), new MixingOptions(PlainWeight: weight), [0, 1, 2, 3]));
        }

        public void Dispose()
        {
            One.Dispose(); W.Dispose(); Sum.Dispose(); Weighted.Dispose();
        }
    }

    [Fact]
    public void TheMixedTermAloneIsTheFullStepsMixedTermWithoutEncodingThePlainQueries()
    {
        // Dropping the plain term (w = 0) must leave the mixed term as it is, and the plain queries are not encoded at
        // all (no plain loss, no positive similarity).
        using var t = TwinSteps.Take(0, draws: 5);
        Assert.Equal(t.One.Lambda, t.W.Lambda);
        Assert.Equal(t.One.MixLoss, t.W.Loss.item<float>(), 1e-5);
        Assert.Equal(t.One.MixLoss, t.W.MixLoss, 1e-5);
        Assert.True(double.IsNaN(t.W.PlainLoss) && double.IsNaN(t.W.PositiveSimilarity));
        Assert.True(t.Sum.Queue.equal(t.Weighted.Queue).all().item<bool>());
        t.W.Loss.backward();
        Assert.All(t.Weighted.QueryParameters(), p => Assert.NotNull(p.Parameter.grad));
    }

    [Fact]
    public void WithKeptStatisticsQueriesAndMixedQueriesEncodedTogetherGiveTheLossOfEncodingThemApart()
    {
        // Batch norm in eval mode (the finetuning default) makes each image's features independent of its batch, so the
        // step encodes both query batches in one call; the loss must be the one of encoding them one by one.
        manual_seed(0);
        using var moco = Tiny(queue: 6);
        moco.train();
        FrozenBatchNorm.Apply(moco);
        using var imQ = randn(4, 3, 32, 32);
        using var imK = randn(4, 3, 32, 32);
        using var negatives = moco.Queue.clone();
        using var r = moco.Step(imQ, imK, new Random(7), new MixingOptions());

        using var scope = NewDisposeScope();
        var draws = new Random(7);
        RandomDraws.Permutation(4, draws); // the key shuffle's draw, which comes first
        using var mixed = CutMix.Mix(imQ, 1.0, draws);
        // The key encoder still equals the query encoder: the momentum update of the step averaged two equal copies.
        var q = moco.QueryFeatures(imQ, projected: true);
        var k = moco.QueryFeatures(imK, projected: true);
        var qMix = moco.QueryFeatures(mixed.Images, projected: true);
        var kPartner = k.index_select(0, tensor(mixed.Partner));
        double expected = InfoNce.Loss(q, k, negatives, 0.2).item<float>()
            + MixedQueryLoss.Loss(qMix, k, kPartner, negatives, 0.2, mixed.Lambda).item<float>();
        Assert.Equal(mixed.Lambda, r.Lambda, 12);
        Assert.Equal(expected, r.Loss.item<float>(), 1e-4);
    }

    [Fact]
    public void ThePlainWeightScalesThePlainTermAndNothingElse()
    {
        // w = 0.3 gives 0.3 * plain + mixed with both terms as they were, so the weight is a loss weight and not, say, a
        // change of the queries or of the mix.
        using var t = TwinSteps.Take(0.3, draws: 7);
        Assert.Equal(t.One.PlainLoss, t.W.PlainLoss, 1e-5);
        Assert.Equal(t.One.MixLoss, t.W.MixLoss, 1e-5);
        Assert.Equal(0.3 * t.One.PlainLoss + t.One.MixLoss, t.W.Loss.item<float>(), 1e-4);
        Assert.NotEqual(t.One.Loss.item<float>(), t.W.Loss.item<float>(), 2);
        using var x = randn(4, 3, 32, 32);
        var refused = Assert.Throws<UftException>(() => t.Sum.Step(x, x, new Random(7), new MixingOptions(PlainWeight: -1)));
        Assert.Contains("--plain-weight", refused.Message);
    }

    [Fact]
    public void KeyShuffleIsUndoneSoKeysKeepTheirImages()
    {
        // In eval mode BN uses running statistics, so a key does not depend on its batch neighbours:
        // a shuffling and a non-shuffling MoCo with the same weights must enqueue identical keys, row for row.
        using var x = randn(4, 3, 32, 32);
        using var shuffling = Tiny(queue: 4, shuffle: true);
        using var plain = Tiny(queue: 4, shuffle: false);
        plain.load_state_dict(shuffling.state_dict());
        foreach (var moco in new[] { shuffling, plain })
        {
            moco.eval();
            using var r = moco.Step(x, x, new Random(9));
        }
        Assert.True(shuffling.Queue.allclose(plain.Queue, rtol: 1e-4, atol: 1e-6));
        // ... while the rows do differ from image to image (the check above is not vacuous).
        Assert.False(plain.Queue[0].allclose(plain.Queue[1], atol: 1e-3));
    }

    [Fact]
    public void QueryFeaturesAreBackbonePoolsOrNormalisedProjections()
    {
        using var moco = Tiny();
        moco.eval();
        using var x = randn(2, 3, 32, 32);
        using var f = moco.QueryFeatures(x);
        using var z = moco.QueryFeatures(x, projected: true);
        Assert.Equal(new long[] { 2, 512 }, f.shape);
        Assert.Equal(new long[] { 2, 128 }, z.shape);
        Assert.False(f.requires_grad);
        Assert.True(z.norm(1).sub(1).abs().max().item<float>() < 1e-5);
    }

    [Fact]
    public void RepeatedStepsLeaveNoLiveTensorsBehind()
    {
        using var moco = Tiny(queue: 8);
        moco.train();
        using var x = randn(4, 3, 32, 32);
        var sgd = new Uft.Training.MomentumSgd(moco.QueryParameters(), 0.01);
        void Step(int i)
        {
            sgd.ZeroGrad();
            using var r = moco.Step(x, x, new Random(i), new MixingOptions());
            r.Loss.backward();
            sgd.Step();
        }
        Step(0); // creates the gradients, which live on
        long before = TorchSharp.DisposeScopeManager.Statistics.ThreadTotalLiveCount;
        for (int i = 1; i <= 3; i++) Step(i);
        Assert.Equal(before, TorchSharp.DisposeScopeManager.Statistics.ThreadTotalLiveCount);
    }
}
