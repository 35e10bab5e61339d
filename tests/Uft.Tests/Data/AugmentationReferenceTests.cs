using System.Text.Json;
using Uft.Data;
using Uft.Data.Augmentations;
using Uft.Models;

namespace Uft.Tests.Data;

/// <summary>Each functional op against torchvision 0.14's tensor op on the same 16x12 input
/// (Fixtures/augment/reference.json, made by make_reference.py beside it).</summary>
public class AugmentationReferenceTests
{
    const int W = 16, H = 12;
    // torchvision's tensor rgb_to_grayscale weighs red 0.2989; UFT uses 0.299 (PIL, ITU-R 601-2, what the PIL-based
    // reference loaders apply). Ops built on grayscale may differ by at most 0.0001 * R.
    const float GrayTolerance = 1.05e-4f;

    /// <summary>The generator's input pattern, byte for byte.</summary>
    public static RgbImage Pattern()
    {
        var px = new byte[W * H * 3];
        for (int y = 0; y < H; y++)
            for (int x = 0; x < W; x++)
                for (int c = 0; c < 3; c++)
                    px[(y * W + x) * 3 + c] = (byte)((x * 37 + y * 23 + c * 91 + x * y * 7) % 256);
        return new RgbImage(W, H, px);
    }

    static readonly Dictionary<string, (int[] Shape, float[] Values)> Reference = Load();

    static Dictionary<string, (int[] Shape, float[] Values)> Load()
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(Paths.Fixtures, "augment", "reference.json")));
        return doc.RootElement.GetProperty("cases").EnumerateArray().ToDictionary(
            c => c.GetProperty("name").GetString()!,
            c => (c.GetProperty("shape").EnumerateArray().Select(e => e.GetInt32()).ToArray(),
                  c.GetProperty("values").EnumerateArray().Select(e => e.GetSingle()).ToArray()));
    }

    static FloatImage Input() => FloatImage.FromRgb(Pattern());

    static void AssertMatches(string name, FloatImage actual, float tolerance = 2e-5f) => AssertMatches(name, actual.Height, actual.Width, actual.Data, tolerance);

    static void AssertMatches(string name, int h, int w, ReadOnlySpan<float> actual, float tolerance = 2e-5f)
    {
        var (shape, expected) = Reference[name];
        Assert.Equal(new[] { 3, h, w }, shape);
        Assert.Equal(expected.Length, actual.Length);
        float worst = 0; int at = -1;
        for (int i = 0; i < expected.Length; i++)
        {
            float d = Math.Abs(expected[i] - actual[i]);
            if (d > worst) { worst = d; at = i; }
        }
        Assert.True(worst <= tolerance, $"{name}: largest difference {worst} at {at} (expected {expected[Math.Max(at, 0)]}, got {actual[Math.Max(at, 0)]})");
    }

    [Theory]
    [InlineData(1.3f)]
    [InlineData(0.6f)]
    public void BrightnessMatchesTorchvision(float f) { var x = Input(); Color.AdjustBrightness(x, f); AssertMatches($"brightness_{f}", x); }

    [Theory]
    [InlineData(1.4f)]
    [InlineData(0.5f)]
    public void ContrastMatchesTorchvision(float f) { var x = Input(); Color.AdjustContrast(x, f); AssertMatches($"contrast_{f}", x, GrayTolerance); }

    [Theory]
    [InlineData(1.5f)]
    [InlineData(0.3f)]
    public void SaturationMatchesTorchvision(float f) { var x = Input(); Color.AdjustSaturation(x, f); AssertMatches($"saturation_{f}", x, GrayTolerance); }

    [Theory]
    [InlineData(0.1f)]
    [InlineData(-0.25f)]
    [InlineData(0.5f)]
    public void HueMatchesTorchvision(float f) { var x = Input(); Color.AdjustHue(x, f); AssertMatches($"hue_{f}", x, 1e-4f); }

    [Fact]
    public void GrayscaleMatchesTorchvision() { var x = Input(); Color.Grayscale(x); AssertMatches("grayscale", x, GrayTolerance); }

    [Theory]
    [InlineData(5, 1.3)]
    [InlineData(3, 0.7)]
    public void GaussianBlurMatchesTorchvision(int k, double sigma) => AssertMatches($"blur_k{k}_s{sigma}", Blur.Gaussian(Input(), k, sigma));

    [Theory]
    [InlineData(2, 3, 8, 10, 6, 5)]   // downscale: antialiased
    [InlineData(1, 1, 5, 6, 12, 16)]  // upscale
    [InlineData(0, 0, 12, 16, 7, 9)]  // whole image, uneven factors
    public void ResizedCropMatchesTorchvisionAntialias(int top, int left, int h, int w, int oh, int ow) =>
        AssertMatches($"resized_crop_{top}_{left}_{h}_{w}_to_{oh}x{ow}", Resize.ResizedCrop(Input(), top, left, h, w, oh, ow));

    [Theory]
    [InlineData(2, 3, 8, 10, 6, 5)]
    [InlineData(1, 1, 5, 6, 12, 16)]
    public void ResizedCropFromBytesMatchesTorchvisionToo(int top, int left, int h, int w, int oh, int ow) =>
        AssertMatches($"resized_crop_{top}_{left}_{h}_{w}_to_{oh}x{ow}", Resize.ResizedCrop(Pattern(), top, left, h, w, oh, ow));

    [Fact]
    public void ResizeShorterSideThenCenterCropMatchesTorchvision()
    {
        var op = new ResizeCenterCrop(8, 8.0 / 9);
        Assert.Equal(9, op.ResizeTo);
        AssertMatches("resize_9_center_crop_8", op.Apply(Input(), new Random(0)));
    }

    [Fact]
    public void HorizontalFlipMatchesTorchvision() { var x = Input(); Crop.HorizontalFlip(x); AssertMatches("hflip", x, 1e-6f); }

    [Fact]
    public void NormalizeMatchesTorchvision()
    {
        var chw = new float[3 * W * H];
        ViewPipeline.Normalize(Input(), InputNorm.ImageNet, chw);
        AssertMatches("normalize_imagenet", H, W, chw, 1e-5f);
    }
}
