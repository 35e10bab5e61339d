using System.Text.Json.Nodes;
using Uft.Method;
using Uft.Models;
using Uft.Training;
using static TorchSharp.torch;

namespace Uft.Tests.Training;

public class CheckpointTests
{
    static Dictionary<string, Tensor> AllDtypes() => new()
    {
        ["a.f32"] = tensor(new float[,] { { 1.5f, -2 }, { 3, 4e-8f } }),
        ["b.f64"] = tensor(new double[] { Math.PI, -1e300 }),
        ["c.i64"] = tensor(new long[] { long.MaxValue, -7, 0 }),
        ["d.f16"] = tensor(new float[] { 0.5f, 1000 }).to(float16),
        ["e.bf16"] = tensor(new float[] { -3.25f, 1e30f }).to(bfloat16),
        ["f.scalar"] = tensor(42L),
    };

    static CheckpointInfo Info(int epoch = 3) => new()
    {
        Epoch = epoch, Step = 120, QueuePointer = 17, Seed = 5,
        Config = new JsonObject { ["arch"] = "resnet18", ["batch_size"] = 64 },
    };

    [Fact]
    public void RoundTripKeepsTensorsDtypesAndSidecarFields()
    {
        string dir = Paths.TempDir();
        var tensors = AllDtypes();
        string path = Checkpoint.Save(dir, tensors, Info(10), keepEvery: 5);
        Assert.Equal(Path.Combine(dir, "last.safetensors"), path);
        Assert.True(File.Exists(Path.Combine(dir, "epoch-0010.safetensors")));
        Assert.True(File.Exists(Path.Combine(dir, "epoch-0010.json")));
        Assert.Empty(Directory.GetFiles(dir, "*.tmp"));
        foreach (var file in new[] { path, Path.Combine(dir, "epoch-0010.safetensors") })
        {
            var (back, info) = Checkpoint.Load(file);
            Assert.Equal(tensors.Keys.Order(), back.Keys.Order());
            foreach (var (name, t) in tensors)
            {
                Assert.Equal(t.dtype, back[name].dtype);
                Assert.Equal(t.shape, back[name].shape);
                Assert.True(t.equal(back[name]).all().item<bool>(), name);
            }
            Assert.Equal((10, 120L, 17L, 5), (info.Epoch, info.Step, info.QueuePointer, info.Seed));
            Assert.Equal("resnet18", (string?)info.Config!["arch"]);
            Assert.Equal(64, sha256(file).Length);
            Assert.Equal(sha256(file), info.TensorsSha256);
        }
        // epoch 11 is not a multiple of 5: only last is rewritten.
        Checkpoint.Save(dir, tensors, Info(11), keepEvery: 5);
        Assert.False(File.Exists(Path.Combine(dir, "epoch-0011.safetensors")));
        Assert.Equal(11, Checkpoint.Load(dir).Info.Epoch);

        static string sha256(string f) => Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(File.ReadAllBytes(f)));
    }

    [Fact]
    public void FlippedByteTruncationAndForeignSidecarAreOneLineErrorsNamingTheFile()
    {
        string dir = Paths.TempDir();
        string path = Checkpoint.Save(dir, AllDtypes(), Info());
        var original = File.ReadAllBytes(path);

        var flipped = (byte[])original.Clone();
        flipped[^3] ^= 0x40;
        File.WriteAllBytes(path, flipped);
        AssertBad(path, "checksum");

        File.WriteAllBytes(path, original[..(original.Length / 2)]);
        AssertBad(path, "checksum");

        // A valid tensor file with the sidecar of another checkpoint.
        string other = Checkpoint.Save(Paths.TempDir(), AllDtypes(), Info());
        File.WriteAllBytes(path, original);
        File.Copy(Path.ChangeExtension(other, ".json"), Path.ChangeExtension(path, ".json"), overwrite: true);
        AssertBad(path, "checksum");

        // A file that is no safetensors at all is rejected by the reader itself.
        string junk = Path.Combine(dir, "junk.safetensors");
        File.WriteAllBytes(junk, [200, 0, 0, 0, 0, 0, 0, 0, (byte)'{']);
        var e = Assert.Throws<UftException>(() => Uft.Interop.SafeTensors.Load(junk));
        Assert.Contains(junk, e.Message);

        File.Delete(Path.ChangeExtension(path, ".json"));
        AssertBad(path, "sidecar");

        static void AssertBad(string path, string word)
        {
            var e = Assert.Throws<UftException>(() => Checkpoint.Load(path));
            Assert.Contains(Path.GetFileNameWithoutExtension(path), e.Message);
            Assert.Contains(word, e.Message);
            Assert.DoesNotContain('\n', e.Message);
        }
    }

    [Fact]
    public void MoCoTrainingStateRestoresEncodersQueuePointerAndMomentum()
    {
        using var moco = Uft.Tests.Method.MoCoTests.Tiny();
        var sgd = new MomentumSgd(moco.QueryParameters(), 0.1);
        moco.train();
        using var x = randn(4, 3, 32, 32);
        sgd.ZeroGrad();
        using (var r = moco.Step(x, x, new Random(0))) r.Loss.backward();
        sgd.Step();
        string dir = Paths.TempDir();
        Checkpoint.Save(dir, Checkpoint.TrainingState(moco, sgd), new CheckpointInfo { Epoch = 1, Step = 1, QueuePointer = moco.QueuePointer });

        using var restored = Uft.Tests.Method.MoCoTests.Tiny();
        var sgd2 = new MomentumSgd(restored.QueryParameters(), 0.1);
        var (tensors, info) = Checkpoint.Load(dir);
        Checkpoint.Restore(restored, sgd2, tensors, info);
        Assert.Equal(4, restored.QueuePointer);
        var expected = moco.state_dict();
        foreach (var (name, t) in restored.state_dict())
            Assert.True(t.equal(expected[name]).all().item<bool>(), name);
        Assert.True(restored.Queue.equal(moco.Queue).all().item<bool>()); // the live queue, not a stale copy
        foreach (var (name, buf) in sgd2.StateDict())
            Assert.True(buf.equal(sgd.StateDict()[name]).all().item<bool>(), name);
        Assert.Contains(sgd.StateDict().Values, b => b.abs().sum().item<float>() > 0);
    }

    [Fact]
    public void QueueIdsRoundTripAndCheckpointsWithoutThemLoadWithUnknownIds()
    {
        using var moco = Uft.Tests.Method.MoCoTests.Tiny();
        var sgd = new MomentumSgd(moco.QueryParameters(), 0.1);
        moco.train();
        using var x = randn(4, 3, 32, 32);
        using (var r = moco.Step(x, x, new Random(0), null, [7, 3, 9, 1])) r.Loss.backward();
        string dir = Paths.TempDir();
        var state = Checkpoint.TrainingState(moco, sgd);
        Checkpoint.Save(dir, state, new CheckpointInfo { Epoch = 1, Step = 1, QueuePointer = moco.QueuePointer });
        using var restored = Uft.Tests.Method.MoCoTests.Tiny();
        var (tensors, info) = Checkpoint.Load(dir);
        Checkpoint.Restore(restored, new MomentumSgd(restored.QueryParameters(), 0.1), tensors, info);
        Assert.Equal(new long[] { 7, 3, 9, 1, -1, -1, -1, -1 }, restored.QueueIds.data<long>().ToArray());

        // A checkpoint from before the ids (no queue_ids tensor) restores everything else and forgets the ids.
        string old = Paths.TempDir();
        Checkpoint.Save(old, state.Where(kv => kv.Key != "queue_ids").ToDictionary(), new CheckpointInfo { Epoch = 1, Step = 1, QueuePointer = 4 });
        var (oldTensors, oldInfo) = Checkpoint.Load(old);
        Checkpoint.Restore(restored, new MomentumSgd(restored.QueryParameters(), 0.1), oldTensors, oldInfo);
        Assert.Equal(Enumerable.Repeat(-1L, 8), restored.QueueIds.data<long>().ToArray());
        Assert.True(restored.Queue.equal(moco.Queue).all().item<bool>());
        // Any other missing tensor still means another model.
        var broken = state.Where(kv => kv.Key != "queue").ToDictionary();
        Assert.Contains("missing", Assert.Throws<UftException>(() => Checkpoint.Restore(restored, new MomentumSgd(restored.QueryParameters(), 0.1), broken, oldInfo)).Message);
    }
}
