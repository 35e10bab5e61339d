using Uft.Data;
using Uft.Data.Augmentations;
using Uft.Models;

namespace Uft.Tests.Data;

public class AugmentationTests
{
    static RgbImage Photo(int w = 80, int h = 60)
    {
        // A colourful smooth pattern so that every op changes something.
        var px = new byte[w * h * 3];
        for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++)
            {
                int i = (y * w + x) * 3;
                px[i] = (byte)(255 * x / w); px[i + 1] = (byte)(255 * y / h); px[i + 2] = (byte)((x * y) % 256);
            }
        return new RgbImage(w, h, px);
    }

    static float[] View(IViewTransform t, RgbImage img, int seed)
    {
        var chw = new float[3 * t.Size * t.Size];
        t.Apply(img, new Random(seed), chw);
        return chw;
    }

    public static TheoryData<string> Transforms => ["moco", "eval", "supervised", "weak", "strong"];

    static IViewTransform Make(string name, int size = 32) => name switch
    {
        "moco" => new MoCoV2Augmentation(size, InputNorm.ImageNet),
        "eval" => new EvalTransform(size, InputNorm.ImageNet),
        "supervised" => new SupervisedTrainTransform(size, InputNorm.ImageNet),
        "weak" => new WeakTransform(size, InputNorm.ImageNet),
        _ => new StrongTransform(size, InputNorm.ImageNet),
    };

    [Theory]
    [MemberData(nameof(Transforms))]
    public void SameSeedGivesSamePixelsAndRandomViewsDifferAcrossSeeds(string name)
    {
        var t = Make(name);
        var img = Photo();
        Assert.Equal(View(t, img, 3), View(t, img, 3));
        bool differs = Enumerable.Range(4, 5).Any(s => !View(t, img, s).SequenceEqual(View(t, img, 3)));
        Assert.Equal(name != "eval", differs);
    }

    [Fact]
    public void EvalViewIsTheCentreOfTheResizedImageNormalised()
    {
        // A constant image stays constant: every pixel is (v - mean) / std.
        var gray = new RgbImage(50, 40, Enumerable.Repeat((byte)128, 50 * 40 * 3).ToArray());
        var v = View(new EvalTransform(16, InputNorm.ImageNet), gray, 0);
        for (int c = 0; c < 3; c++)
            Assert.All(v.Skip(c * 256).Take(256), x => Assert.Equal((128f / 255 - InputNorm.ImageNet.Mean[c]) / InputNorm.ImageNet.Std[c], x, 1e-5f));
    }

    [Fact]
    public void RandomGrayscaleShareIsTheProbabilityWithinFourBinomialStd()
    {
        var op = new RandomApply(new Grayscale(), 0.2);
        var rng = new Random(11);
        var src = FloatImage.FromRgb(Photo(4, 4));
        const int n = 10_000;
        int gray = 0;
        for (int i = 0; i < n; i++)
        {
            var img = op.Apply(src.Clone(), rng);
            if (img.Channel(0).SequenceEqual(img.Channel(1)) && img.Channel(1).SequenceEqual(img.Channel(2))) gray++;
        }
        double std = Math.Sqrt(n * 0.2 * 0.8); // 40
        Assert.InRange(gray, n * 0.2 - 4 * std, n * 0.2 + 4 * std);
    }

    [Fact]
    public void ColorJitterBrightnessFactorsSpanOneMinusToOnePlusStrength()
    {
        var op = new ColorJitter(0.4f, 0, 0, 0);
        var rng = new Random(5);
        var values = Enumerable.Range(0, 2000).Select(_ =>
        {
            var img = new FloatImage(2, 2, Enumerable.Repeat(0.5f, 12).ToArray());
            return op.Apply(img, rng).Data[0] / 0.5f;
        }).ToArray();
        Assert.InRange(values.Min(), 0.6f, 0.62f);
        Assert.InRange(values.Max(), 1.38f, 1.4f);
    }

    [Fact]
    public void ColorJitterAppliesItsOpsInARandomOrderPerImage()
    {
        // Brightness and saturation do not commute on a pixel that brightness clamps, so the order shows in the output.
        var op = new ColorJitter(0.4f, 0, 0.4f, 0);
        var orders = new HashSet<bool>();
        for (int seed = 0; seed < 40; seed++)
        {
            var img = op.Apply(new FloatImage(1, 1, [0.9f, 0.2f, 0.1f]), new Random(seed));
            // Replay the draws: a shuffle of the 4 ops, then one factor per enabled op, in application order.
            var rng = new Random(seed);
            Span<int> order = [0, 1, 2, 3];
            rng.Shuffle(order);
            var expected = new FloatImage(1, 1, [0.9f, 0.2f, 0.1f]);
            foreach (int o in order)
            {
                if (o == 0) Color.AdjustBrightness(expected, (float)(0.6 + 0.8 * rng.NextDouble()));
                if (o == 2) Color.AdjustSaturation(expected, (float)(0.6 + 0.8 * rng.NextDouble()));
            }
            for (int c = 0; c < 3; c++) Assert.Equal(expected.Data[c], img.Data[c], 1e-6f);
            orders.Add(order.IndexOf(0) < order.IndexOf(2));
        }
        Assert.Equal(2, orders.Count);
    }

    [Fact]
    public void BlurKernelIsAboutTenPercentOfTheCropAndOdd()
    {
        Assert.Equal(23, GaussianBlur.KernelFor(224));
        Assert.Equal(7, GaussianBlur.KernelFor(64));
        Assert.Equal(3, GaussianBlur.KernelFor(32));
        Assert.Equal(9, GaussianBlur.KernelFor(96));
    }

    [Fact]
    public void ScaledBlurKeepsMoCoRelativeStrengthAtEverySize()
    {
        var o = new MoCoV2Options();
        Assert.Equal((0.1, 2.0), (o.SigmaMin, o.SigmaMax)); // unscaled by default, at every size
        Assert.Equal(o, o.WithBlurScaledTo(224));
        var at64 = o.WithBlurScaledTo(64); // 64/224 = 2/7
        Assert.Equal(0.1 * 2 / 7, at64.SigmaMin, 1e-12);
        Assert.Equal(2.0 * 2 / 7, at64.SigmaMax, 1e-12);
        Assert.Equal(o with { SigmaMin = at64.SigmaMin, SigmaMax = at64.SigmaMax }, at64); // nothing else changes
        // The kernel already follows the size: its half-width over the largest sigma, 11/2 at 224 px, is 3/0.571 at 64.
        Assert.Equal(5.5, (GaussianBlur.KernelFor(224) / 2) / o.SigmaMax, 1e-12);
        Assert.Equal(5.25, (GaussianBlur.KernelFor(64) / 2) / at64.SigmaMax, 1e-12);
        Assert.StartsWith("size:", Assert.Throws<UftException>(() => o.WithBlurScaledTo(0)).Message);
    }

    [Fact]
    public void RandomTranslateShiftsByAtMostTheFractionWithReflection()
    {
        var src = FloatImage.FromRgb(AugmentationReferenceTests.Pattern()); // 16x12: pad round(0.125 * 12) = 2
        var rng = new Random(2);
        for (int trial = 0; trial < 50; trial++)
        {
            var dst = new RandomTranslate(0.125).Apply(src, rng);
            Assert.Equal((16, 12), (dst.Width, dst.Height));
            bool found = false;
            for (int dy = -2; dy <= 2 && !found; dy++)
                for (int dx = -2; dx <= 2 && !found; dx++)
                {
                    bool ok = true;
                    for (int c = 0; c < 3 && ok; c++)
                        for (int y = 0; y < 12 && ok; y++)
                            for (int x = 0; x < 16 && ok; x++)
                                ok = dst.Data[(c * 12 + y) * 16 + x] == src.Data[(c * 12 + Crop.Reflect(y + dy, 12)) * 16 + Crop.Reflect(x + dx, 16)];
                    found = ok;
                }
            Assert.True(found, "output is not the input shifted by at most 2 pixels with reflected borders");
        }
    }

    [Fact]
    public void CutoutFillsASquareOfHalfTheSideWithGray()
    {
        var img = new FloatImage(32, 32, new float[3 * 32 * 32]);
        new Cutout(0.5).Apply(img, new Random(1));
        int gray = img.Channel(0).ToArray().Count(v => v == 0.5f);
        Assert.InRange(gray, 8 * 8, 16 * 16); // clipped at a border at most to a quarter
        Assert.Equal(gray, img.Channel(2).ToArray().Count(v => v == 0.5f));
    }

    [Fact]
    public void OptionsAreValidatedWithTheOptionName()
    {
        var e = Assert.Throws<UftException>(() => new MoCoV2Augmentation(64, InputNorm.ImageNet, new MoCoV2Options(ScaleMin: 0.9, ScaleMax: 0.5)));
        Assert.StartsWith("scale:", e.Message);
        Assert.True(e.IsUsage);
        Assert.StartsWith("blur-kernel:", Assert.Throws<UftException>(() => new MoCoV2Augmentation(64, InputNorm.ImageNet, new MoCoV2Options(BlurKernel: 8))).Message);
        Assert.StartsWith("grayscale-p:", Assert.Throws<UftException>(() => new MoCoV2Augmentation(64, InputNorm.ImageNet, new MoCoV2Options(GrayscaleP: 1.5))).Message);
        Assert.StartsWith("size:", Assert.Throws<UftException>(() => new EvalTransform(0, InputNorm.ImageNet)).Message);
        Assert.StartsWith("rand-ops:", Assert.Throws<UftException>(() => new StrongTransform(32, InputNorm.ImageNet, new FixMatchOptions(RandOps: 0))).Message);
    }
}
