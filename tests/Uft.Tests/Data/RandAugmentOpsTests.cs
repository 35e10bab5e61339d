using Uft.Data.Augmentations;

namespace Uft.Tests.Data;

public class RandAugmentOpsTests
{
    static FloatImage Gray(int w, int h, params float[] plane) => new(w, h, [.. plane, .. plane, .. plane]);

    [Fact]
    public void SolarizeInvertsValuesAtOrAboveTheThreshold()
    {
        var img = Gray(3, 1, 0.2f, 0.5f, 0.8f);
        RandAugmentOps.Solarize(img, 0.5f);
        Assert.Equal(new[] { 0.2f, 0.5f, 0.2f }, img.Channel(0).ToArray(), new FloatTolerance(1e-6f));
    }

    [Fact]
    public void PosterizeKeepsTheTopBits()
    {
        var img = Gray(2, 1, 0x9F / 255f, 0x0F / 255f);
        RandAugmentOps.Posterize(img, 4);
        Assert.Equal(new[] { 0x90 / 255f, 0f }, img.Channel(1).ToArray(), new FloatTolerance(1e-6f));
    }

    [Fact]
    public void AutoContrastStretchesEachChannelToZeroOne()
    {
        var img = Gray(3, 1, 0.25f, 0.5f, 0.75f);
        RandAugmentOps.AutoContrast(img);
        Assert.Equal(new[] { 0f, 0.5f, 1f }, img.Channel(2).ToArray(), new FloatTolerance(1e-6f));
    }

    [Fact]
    public void EqualizeFollowsPilsLookupTable()
    {
        // Levels 10 (x2), 20 (x1), 30 (x1): step = (4 - 1) // 255 = 0, so PIL leaves the image unchanged.
        var small = Gray(4, 1, 10 / 255f, 10 / 255f, 20 / 255f, 30 / 255f);
        var before = small.Channel(0).ToArray();
        RandAugmentOps.Equalize(small);
        Assert.Equal(before, small.Channel(0).ToArray());
        // 510 pixels at level 0 and 255 at level 1 and 255 at 2: step = (1020 - 255) // 255 = 3, n starts at 1;
        // lut[0] = 1 // 3 = 0, lut[1] = (1 + 510) // 3 = 170, lut[2] = (511 + 255) // 3 = 255.
        var plane = Enumerable.Repeat(0f, 510).Concat(Enumerable.Repeat(1 / 255f, 255)).Concat(Enumerable.Repeat(2 / 255f, 255)).ToArray();
        var big = Gray(1020, 1, plane);
        RandAugmentOps.Equalize(big);
        Assert.Equal(new[] { 0f, 170 / 255f, 1f }, new[] { big.Data[0], big.Data[600], big.Data[900] }, new FloatTolerance(1e-6f));
    }

    [Fact]
    public void TranslateXShiftsRightAndFillsGray()
    {
        var img = Gray(4, 1, 0.1f, 0.2f, 0.3f, 0.4f);
        var moved = RandAugmentOps.TranslateX(img, 0.25); // one pixel
        Assert.Equal(new[] { 0.5f, 0.1f, 0.2f, 0.3f }, moved.Channel(0).ToArray());
    }

    [Fact]
    public void RotateByNinetyDegreesTurnsTheImageCounterClockwise()
    {
        // 3x3 with 1 at top-right: counter-clockwise by 90° moves it to top-left.
        var img = Gray(3, 3, 0, 0, 1, 0, 0, 0, 0, 0, 0);
        var r = RandAugmentOps.Rotate(img, 90);
        Assert.Equal(new float[] { 1, 0, 0, 0, 0, 0, 0, 0, 0 }, r.Channel(0).ToArray());
    }

    [Fact]
    public void EveryOpKeepsTheSizeAndTheValueRange()
    {
        var src = FloatImage.FromRgb(AugmentationReferenceTests.Pattern());
        for (int op = 0; op < RandAugment.OpNames.Count; op++)
            foreach (double u in new[] { 0.0, 0.5, 1.0 })
            {
                var r = RandAugment.ApplyOp(src.Clone(), op, u);
                Assert.Equal((16, 12), (r.Width, r.Height));
                Assert.All(r.Data, v => Assert.InRange(v, 0f, 1f));
            }
    }

    sealed class FloatTolerance(float tolerance) : IEqualityComparer<float>
    {
        public bool Equals(float x, float y) => Math.Abs(x - y) <= tolerance;
        public int GetHashCode(float obj) => 0;
    }
}
