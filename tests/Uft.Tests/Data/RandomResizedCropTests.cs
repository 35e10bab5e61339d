using Uft.Data.Augmentations;

namespace Uft.Tests.Data;

public class RandomResizedCropTests
{
    [Fact]
    public void BoxesStayInsideWithAreaShareAndRatioInRangeOver10kDraws()
    {
        var op = new RandomResizedCrop(64, 0.2, 1.0);
        var rng = new Random(7);
        const int width = 160, height = 120;
        double minShare = 1, maxShare = 0, sumShare = 0;
        for (int i = 0; i < 10_000; i++)
        {
            var (top, left, h, w) = op.SampleBox(height, width, rng);
            Assert.InRange(top, 0, height - h);
            Assert.InRange(left, 0, width - w);
            double share = (double)h * w / (height * width);
            // Rounding w and h to whole pixels moves the area by at most (w + h) / 2 + 1/4 pixels.
            double slack = ((w + h) / 2.0 + 0.25) / (height * width);
            Assert.InRange(share, 0.2 - slack, 1.0);
            // Each side is the rounding of an unrounded box whose ratio is in [3/4, 4/3].
            Assert.True((w - 0.5) / (h + 0.5) <= 4.0 / 3 && (w + 0.5) / (h - 0.5) >= 3.0 / 4, $"{w}x{h} cannot come from a ratio in [3/4, 4/3]");
            minShare = Math.Min(minShare, share); maxShare = Math.Max(maxShare, share); sumShare += share;
        }
        // Uniform in [0.2, 1] (mean 0.6), but large boxes with a wide or tall ratio do not fit and are redrawn, so the mean
        // is lower; the range is still used end to end.
        Assert.InRange(minShare, 0.19, 0.21);
        Assert.InRange(maxShare, 0.95, 1.0);
        Assert.InRange(sumShare / 10_000, 0.45, 0.6);
    }

    [Fact]
    public void FallsBackToACentreCropClampedToTheRatioRangeAfterTenFailedTries()
    {
        var op = new RandomResizedCrop(8, 0.2, 1.0);
        // A 1000x1 strip: every sampled box is taller than 1 pixel, so all 10 tries fail.
        // torchvision: in_ratio 1000 > 4/3, so h = 1, w = round(1 * 4/3) = 1, centred: left = (1000 - 1) // 2 = 499.
        Assert.Equal((0, 499, 1, 1), op.SampleBox(1, 1000, new Random(1)));
        // A 10 wide, 40 high image at scale 1, ratio 3/4: w = round(sqrt(400 * 0.75)) = 17 > 10 never fits.
        // in_ratio 0.25 < 3/4, so w = 10, h = round(10 / 0.75) = 13, top = (40 - 13) // 2 = 13.
        var full = new RandomResizedCrop(8, 1.0, 1.0, 0.75, 0.75);
        Assert.Equal((13, 0, 13, 10), full.SampleBox(40, 10, new Random(1)));
    }

    [Fact]
    public void SameSeedSameBoxDifferentSeedDifferentBoxes()
    {
        var op = new RandomResizedCrop(32, 0.2, 1.0);
        var a = Enumerable.Range(0, 20).Select((_, i) => op.SampleBox(100, 100, new Random(i))).ToArray();
        var b = Enumerable.Range(0, 20).Select((_, i) => op.SampleBox(100, 100, new Random(i))).ToArray();
        Assert.Equal(a, b);
        Assert.True(a.Distinct().Count() > 15);
    }

    [Fact]
    public void RejectsBadRanges()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new RandomResizedCrop(32, 0.5, 0.2));
        Assert.Throws<ArgumentOutOfRangeException>(() => new RandomResizedCrop(32, 0, 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => new RandomResizedCrop(32, 0.2, 1, 2, 1));
    }
}
