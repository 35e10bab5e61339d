using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace Uft.Models;

/// <summary>Makes the normalisation layer for a given channel count (BatchNorm2d, or SplitBatchNorm for MoCo on one device).</summary>
public delegate Module<Tensor, Tensor> NormFactory(long channels);

/// <summary>
/// ResNet (He et al. 2016) with torchvision's parameter names (<c>conv1</c>, <c>bn1</c>, <c>layer1.0.conv1</c>, ...),
/// so torchvision and MoCo state dicts load unchanged. <see cref="Module{T,TResult}.forward"/> returns the pooled
/// feature vector (N, <see cref="FeatureDim"/>); there is no classifier: heads are added by the caller.
/// Block counts are free so that the 2,2,2,3 ImageNet ResNet of ML.NET's package fits as well.
/// </summary>
public sealed class ResNet : Module<Tensor, Tensor>
{
    readonly Conv2d conv1;
    readonly Module<Tensor, Tensor> bn1;
    readonly Sequential layer1, layer2, layer3, layer4;
    // The four stages in order, for running the network from or up to a stage.
    readonly Sequential[] layers;
    readonly Module<Tensor, Tensor>? input_adapter;

    public int FeatureDim { get; }

    /// <summary>
    /// Run on the CPU in channels-last (NHWC) memory, the layout libtorch's CPU kernels are fastest in: oneDNN's
    /// convolutions then skip the NCHW-to-blocked reorders around each call, and batch norm and max pooling have
    /// vectorised NHWC kernels (max pooling of the 64 px stem: 18.5 ms NCHW, 1.0 ms NHWC). A MoCo step gains about
    /// 15% (docs/performance.md). The layout changes rounding, not results; off runs NCHW as given.
    /// </summary>
    public bool ChannelsLast { get; set; } = true;

    /// <summary>The stateless module applied to the input before <c>conv1</c>, if any.</summary>
    public Module<Tensor, Tensor>? InputAdapter => input_adapter;

    /// <param name="inputAdapter">Optional parameter-free module applied to the input first, e.g. to turn UFT's
    /// normalised RGB into what imported weights were trained on (<see cref="BgrMeanInput"/>). It must hold no
    /// parameters or persistent buffers, so the state dict keeps torchvision's names.</param>
    public ResNet(string name, bool bottleneck, int[] blocks, NormFactory? norm = null, Module<Tensor, Tensor>? inputAdapter = null) : base(name)
    {
        if (inputAdapter is not null && (inputAdapter.parameters().Any() || inputAdapter.state_dict().Count > 0))
            throw new ArgumentException("an input adapter must not hold parameters or persistent buffers", nameof(inputAdapter));
        input_adapter = inputAdapter;
        norm ??= c => new HeldBatchNorm2d(c);
        int expansion = bottleneck ? 4 : 1;
        conv1 = Conv2d(3, 64, 7, stride: 2, padding: 3, bias: false);
        bn1 = norm(64);
        long inplanes = 64;
        Sequential Stage(long planes, int count, long stride)
        {
            var layers = new List<(string, Module<Tensor, Tensor>)>();
            for (int i = 0; i < count; i++)
            {
                long s = i == 0 ? stride : 1;
                Module<Tensor, Tensor>? down = null;
                if (s != 1 || inplanes != planes * expansion)
                    down = Sequential(("0", Conv2d(inplanes, planes * expansion, 1, stride: s, bias: false)), ("1", norm(planes * expansion)));
                layers.Add((i.ToString(), bottleneck
                    ? new Bottleneck(inplanes, planes, s, down, norm)
                    : new BasicBlock(inplanes, planes, s, down, norm)));
                inplanes = planes * expansion;
            }
            return Sequential(layers);
        }
        layer1 = Stage(64, blocks[0], 1);
        layer2 = Stage(128, blocks[1], 2);
        layer3 = Stage(256, blocks[2], 2);
        layer4 = Stage(512, blocks[3], 2);
        layers = [layer1, layer2, layer3, layer4];
        FeatureDim = 512 * expansion;
        RegisterComponents();
        foreach (var (pname, p) in named_parameters())
            if (pname.EndsWith("conv1.weight") || pname.EndsWith("conv2.weight") || pname.EndsWith("conv3.weight") || pname.EndsWith("downsample.0.weight"))
                init.kaiming_normal_(p, mode: init.FanInOut.FanOut, nonlinearity: init.NonlinearityType.ReLU);
    }

    public override Tensor forward(Tensor x) => Forward(x, 0);

    /// <summary>The pooled features of <paramref name="x"/>, the input images (<paramref name="fromStage"/> 0), or their
    /// feature map after the stem and the first <paramref name="fromStage"/> stages (<see cref="Stages"/>).</summary>
    public Tensor Forward(Tensor x, int fromStage)
    {
        using var scope = NewDisposeScope();
        var h = fromStage == 0 ? Stem(x) : InLayout(x);
        foreach (var layer in layers.Skip(fromStage)) h = layer.call(h);
        return functional.adaptive_avg_pool2d(h, 1).flatten(1).MoveToOuterDisposeScope();
    }

    /// <summary>The feature map of images <paramref name="x"/> after the stem and the first <paramref name="stages"/>
    /// stages (1 to 4): what <see cref="Forward"/> continues from.</summary>
    public Tensor Stages(Tensor x, int stages)
    {
        if (stages is < 1 or > 4) throw new ArgumentOutOfRangeException(nameof(stages), stages, "1 to 4");
        using var scope = NewDisposeScope();
        var h = Stem(x);
        foreach (var layer in layers.Take(stages)) h = layer.call(h);
        return h.MoveToOuterDisposeScope();
    }

    // The input adapter, channels-last memory on the CPU, conv1, bn1, ReLU and the max pool.
    Tensor Stem(Tensor x)
    {
        using var scope = NewDisposeScope();
        if (input_adapter is not null) x = input_adapter.call(x);
        x = InLayout(x);
        var h = bn1.call(conv1.call(x)).relu_();
        return functional.max_pool2d(h, 3, 2, 1).MoveToOuterDisposeScope();
    }

    // x in the memory layout this network runs in (ChannelsLast on the CPU).
    Tensor InLayout(Tensor x) => ChannelsLast && x.device_type == DeviceType.CPU ? ToChannelsLast(x) : x;

    /// <summary>(N, C, H, W) with NHWC strides: the same tensor, the memory permuted; a copy unless it already is.</summary>
    public static Tensor ToChannelsLast(Tensor x)
    {
        if (x.dim() != 4) return x;
        long c = x.shape[1], h = x.shape[2], w = x.shape[3];
        var st = x.stride();
        if (st[1] == 1 && st[3] == c && st[2] == w * c) return x;
        return x.permute(0, 2, 3, 1).contiguous().permute(0, 3, 1, 2);
    }

    public static ResNet ResNet18(NormFactory? norm = null) => new("resnet18", false, [2, 2, 2, 2], norm);
    public static ResNet ResNet34(NormFactory? norm = null) => new("resnet34", false, [3, 4, 6, 3], norm);
    public static ResNet ResNet50(NormFactory? norm = null) => new("resnet50", true, [3, 4, 6, 3], norm);
    public static ResNet ResNet101(NormFactory? norm = null) => new("resnet101", true, [3, 4, 23, 3], norm);

    sealed class BasicBlock : Module<Tensor, Tensor>
    {
        readonly Conv2d conv1, conv2;
        readonly Module<Tensor, Tensor> bn1, bn2;
        readonly Module<Tensor, Tensor>? downsample;

        public BasicBlock(long inplanes, long planes, long stride, Module<Tensor, Tensor>? down, NormFactory norm) : base("BasicBlock")
        {
            conv1 = Conv2d(inplanes, planes, 3, stride: stride, padding: 1, bias: false);
            bn1 = norm(planes);
            conv2 = Conv2d(planes, planes, 3, padding: 1, bias: false);
            bn2 = norm(planes);
            downsample = down;
            RegisterComponents();
        }

        public override Tensor forward(Tensor x)
        {
            using var scope = NewDisposeScope();
            var h = bn1.call(conv1.call(x)).relu_();
            h = bn2.call(conv2.call(h));
            var identity = downsample is null ? x : downsample.call(x);
            return h.add_(identity, HeldScalar.One).relu_().MoveToOuterDisposeScope();
        }
    }

    sealed class Bottleneck : Module<Tensor, Tensor>
    {
        readonly Conv2d conv1, conv2, conv3;
        readonly Module<Tensor, Tensor> bn1, bn2, bn3;
        readonly Module<Tensor, Tensor>? downsample;

        public Bottleneck(long inplanes, long planes, long stride, Module<Tensor, Tensor>? down, NormFactory norm) : base("Bottleneck")
        {
            conv1 = Conv2d(inplanes, planes, 1, bias: false);
            bn1 = norm(planes);
            conv2 = Conv2d(planes, planes, 3, stride: stride, padding: 1, bias: false);
            bn2 = norm(planes);
            conv3 = Conv2d(planes, planes * 4, 1, bias: false);
            bn3 = norm(planes * 4);
            downsample = down;
            RegisterComponents();
        }

        public override Tensor forward(Tensor x)
        {
            using var scope = NewDisposeScope();
            var h = bn1.call(conv1.call(x)).relu_();
            h = bn2.call(conv2.call(h)).relu_();
            h = bn3.call(conv3.call(h));
            var identity = downsample is null ? x : downsample.call(x);
            return h.add_(identity, HeldScalar.One).relu_().MoveToOuterDisposeScope();
        }
    }
}
